"""Retrieval's transport-neutral building blocks: embed texts, add chunks to a
collection, and search one or more collections by vector, keyword or both (hybrid).
The store and the embedding engine are the process's (`ctx.services.vectors`,
`ctx.services.embedder`, chosen by VECTOR_DB and RAG_EMBEDDING_ENGINE).

These functions check their input, not the caller's access: the knowledge, files,
memories and retrieval resolvers decide who may read or write a collection (rest-ai.md
§8.2) and call these after.

    from resolvers.retrieval.chunks import Chunk, add_chunks
    from resolvers.retrieval.search import search

    await add_chunks(ctx, "file-1234", [Chunk("Parley keeps vectors in its database.",
                                              {"file_id": "1234", "name": "notes.md"})])
    found = await search(ctx, ["file-1234"], "where are vectors kept?", k=3, hybrid=True)
    for chunk in found:
        print(chunk.score, chunk.collection, chunk.metadata["name"], chunk.text)

Import from the modules: `resolvers.retrieval.chunks` (embed_texts, add_chunks,
delete_chunks) and `resolvers.retrieval.search` (search, search_vectors,
search_keywords, search_hybrid) for the building blocks; for callers' requests,
`access` (readable_collections: the collection rules of rest-ai.md §8.2), `queries`
(query_collections, retrieve), `indexing` (process_text, index_files, deletes) and
`settings` (the runtime search defaults and embedding engine, admins' config).
"""
