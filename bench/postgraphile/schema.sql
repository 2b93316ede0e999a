-- What PostGraphile sees of Parley's database in bench/graphql.py: views over Open
-- WebUI's `chat` and `user` tables and the `chat_message` rows, in a schema of the
-- benchmark's own. Smart comments give the views the keys and relations that views
-- cannot declare, so PostGraphile offers chats(first:, orderBy:) with `owner` and
-- `messages`, and chat(id:).
create schema postgraphile_bench;

create view postgraphile_bench.users as
  select u.id, u.name from public."user" u;
comment on view postgraphile_bench.users is E'@primaryKey id';

-- The signed-in user's chats only, as Parley lists them: PostGraphile puts the token's
-- claims in `jwt.claims.*` for the transaction of each request.
create view postgraphile_bench.chats as
  select c.id, c.user_id, c.title, to_timestamp(c.created_at) as created_at,
         to_timestamp(c.updated_at) as updated_at
  from public.chat c
  where c.user_id = current_setting('jwt.claims.user_id', true) and not c.archived;
comment on view postgraphile_bench.chats is E'@primaryKey id\n'
  '@foreignKey (user_id) references postgraphile_bench.users (id)|@fieldName owner|@foreignFieldName chats';

-- A message's id without the "<chat id>-" prefix of its row id, as Parley shows it; the
-- text of string content.
create view postgraphile_bench.messages as
  select m.id as row_id, substr(m.id, length(m.chat_id) + 2) as id, m.chat_id, m.role,
         m.content #>> '{}' as content, to_timestamp(m.created_at) as created_at
  from public.chat_message m;
comment on view postgraphile_bench.messages is E'@primaryKey row_id\n'
  '@foreignKey (chat_id) references postgraphile_bench.chats (id)|@fieldName chat|@foreignFieldName messages';
