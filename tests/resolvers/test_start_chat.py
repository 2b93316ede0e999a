"""`start_chat`, as any surface calls it: a new chat with the message and an empty
answer in one transaction, then the answer written into it; nothing when refused."""

import pytest
from sqlalchemy import func, select

from data.tables import ChatRow
from resolvers.completions import chat_completions
from resolvers.completions.chat_completions import ChatOpening
from resolvers.context import Context, Credentials
from resolvers.errors import Invalid, NotFound
from tests.support.ai import *  # noqa: F403
from tests.support.chats import assert_in_step
from tests.support.waiting import eventually


async def test_a_new_chat_answers_its_message(app, accounts, upstream):
    token = (await accounts.admin())["token"]
    upstream.script("llama3:8b", chunks=3)
    ctx = Context(app.state.services, Credentials(bearer=token))
    async with ctx.unit_of_work(write=True):
        started = await chat_completions.start_chat(ctx, ChatOpening(
            model="llama3:8b", content="What is 2+2?", temperature=0.2))
    assert started.chat.title == "New Chat" and started.task.chat_id == started.chat.id
    assert started.question is not None and started.question.content == "What is 2+2?"
    chat_id = started.chat.id
    question_id = started.question.id.removeprefix(f"{chat_id}-")
    answer_id = started.answer.id.removeprefix(f"{chat_id}-")
    assert started.answer.parent_id == question_id and started.answer.done is False

    async def answered() -> bool:
        history = await assert_in_step(app, chat_id)
        return history["messages"][answer_id]["done"] is True
    await eventually(answered)
    history = await assert_in_step(app, chat_id)
    assert history["messages"][question_id]["childrenIds"] == [answer_id]
    assert history["messages"][answer_id]["content"] == "tok0 tok1 tok2 "
    sent = upstream.last("/api/chat").body
    assert sent["messages"] == [{"role": "user", "content": "What is 2+2?"}]
    assert sent["options"]["temperature"] == 0.2


@pytest.mark.parametrize("opening, error", [
    (ChatOpening(model="no-such-model", content="hi"), NotFound),
    (ChatOpening(model="llama3:8b", content=" "), Invalid),
    (ChatOpening(model="llama3:8b", content="hi", answer_id=""), Invalid),
])
async def test_refused_openings_write_nothing(app, accounts, upstream, opening, error):
    token = (await accounts.admin())["token"]
    ctx = Context(app.state.services, Credentials(bearer=token))
    with pytest.raises(error):
        async with ctx.unit_of_work(write=True):
            await chat_completions.start_chat(ctx, opening)
    async with app.state.services.sessionmaker() as session:
        assert (await session.execute(select(func.count()).select_from(ChatRow))
                ).scalar_one() == 0
    assert not upstream.streams
