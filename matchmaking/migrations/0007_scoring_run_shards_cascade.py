"""A run's shards go with it in the database too (ON DELETE CASCADE by trigger), so a run
deleted in raw SQL (``bench.registry.clear_registry`` empties the tables that way) leaves
no shard behind to fail the foreign key or to be inherited by a run reusing its id
(SQLite reuses the highest rowid). Django 5.2 has no ``db_on_delete``."""

from django.db import migrations

POSTGRES = """
CREATE OR REPLACE FUNCTION matchmaking_scoringrun_delete_shards() RETURNS trigger AS $$
BEGIN
    DELETE FROM matchmaking_scoringrunshard WHERE run_id = OLD.id;
    RETURN OLD;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER matchmaking_scoringrun_delete_shards
    BEFORE DELETE ON matchmaking_scoringrun
    FOR EACH ROW EXECUTE FUNCTION matchmaking_scoringrun_delete_shards();
"""
POSTGRES_DROP = """
DROP TRIGGER IF EXISTS matchmaking_scoringrun_delete_shards ON matchmaking_scoringrun;
DROP FUNCTION IF EXISTS matchmaking_scoringrun_delete_shards();
"""
SQLITE = """
CREATE TRIGGER matchmaking_scoringrun_delete_shards
    BEFORE DELETE ON matchmaking_scoringrun
    FOR EACH ROW BEGIN
        DELETE FROM matchmaking_scoringrunshard WHERE run_id = OLD.id;
    END;
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS matchmaking_scoringrun_delete_shards;"


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor in ("postgresql", "sqlite"):
        schema_editor.execute(POSTGRES if vendor == "postgresql" else SQLITE)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor in ("postgresql", "sqlite"):
        schema_editor.execute(POSTGRES_DROP if vendor == "postgresql" else SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [("matchmaking", "0006_scoring_run_shards")]

    operations = [migrations.RunPython(create, drop)]
