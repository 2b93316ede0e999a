from alembic.script import ScriptDirectory

from data.migrate import MIGRATIONS_DIR, PARLEY_HEAD, alembic_config


def test_parley_head_constant_matches_the_scripts():
    config = alembic_config()
    assert ScriptDirectory.from_config(config).get_heads() == [PARLEY_HEAD]
    assert not (MIGRATIONS_DIR / "__init__.py").exists()
