"""The unit of work's loaders are made when first used: a request uses two or three of
the ten, and making them all showed in the profile of a one-chat read."""

from aiodataloader import DataLoader

from resolvers.loaders import Loaders


async def test_loaders_are_made_when_first_used():
    loaders = Loaders(ctx=None)  # type: ignore[arg-type]  # no loader runs here
    assert not any(isinstance(value, DataLoader) for value in vars(loaders).values())
    users = loaders.users
    assert isinstance(users, DataLoader) and loaders.users is users
    assert [value for value in vars(loaders).values() if isinstance(value, DataLoader)] == [users]
