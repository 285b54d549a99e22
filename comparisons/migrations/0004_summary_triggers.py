"""Triggers that mark a model's leaderboard summaries stale when what they are computed from
changes (see comparisons.summary). PostgreSQL only: SQLite aggregates every render instead."""

from django.db import migrations

#: Generation columns the leaderboard reads; other writes (polls, progress) change nothing shown.
GENERATION_COLUMNS = [
    "state", "video_model_id", "run_id", "tagged_unusable", "estimated_cost", "actual_cost",
    "prior_attempts_cost", "provider_job_id", "outcome_unknown", "provider_failed",
    "billing_policy", "queued_at", "submitting_at", "submitted_at", "downloading_at",
    "transcoding_at", "scoring_at", "completed_at",
]  # fmt: skip

FORWARD = """
CREATE FUNCTION comparisons_summary_stale(ids bigint[]) RETURNS void AS $$
    UPDATE comparisons_modelsummary SET stale = true
    WHERE video_model_id = ANY(ids) AND NOT stale;
$$ LANGUAGE sql;

-- A generation: its model (before and after).
CREATE FUNCTION comparisons_summary_generation() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN PERFORM comparisons_summary_stale(ARRAY[OLD.video_model_id]); END IF;
    IF TG_OP <> 'DELETE' THEN PERFORM comparisons_summary_stale(ARRAY[NEW.video_model_id]); END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER summary_generation_added_or_deleted AFTER INSERT OR DELETE
    ON benchmarks_generation FOR EACH ROW EXECUTE FUNCTION comparisons_summary_generation();
CREATE TRIGGER summary_generation_changed AFTER UPDATE ON benchmarks_generation FOR EACH ROW
    WHEN ((%(old)s) IS DISTINCT FROM (%(new)s))
    EXECUTE FUNCTION comparisons_summary_generation();

-- A quality report, a file (the original's duration), a comparison's clip: the generation's model.
CREATE FUNCTION comparisons_summary_by_generation() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM comparisons_summary_stale(ARRAY(
            SELECT video_model_id FROM benchmarks_generation WHERE id = OLD.generation_id));
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM comparisons_summary_stale(ARRAY(
            SELECT video_model_id FROM benchmarks_generation WHERE id = NEW.generation_id));
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER summary_quality_report AFTER INSERT OR UPDATE OR DELETE
    ON benchmarks_qualityreport FOR EACH ROW EXECUTE FUNCTION comparisons_summary_by_generation();
CREATE TRIGGER summary_video_asset AFTER INSERT OR UPDATE OR DELETE
    ON benchmarks_videoasset FOR EACH ROW EXECUTE FUNCTION comparisons_summary_by_generation();
CREATE TRIGGER summary_comparison_clip AFTER INSERT OR UPDATE OR DELETE
    ON comparisons_comparison_generations FOR EACH ROW
    EXECUTE FUNCTION comparisons_summary_by_generation();

-- A run (its day, duration, trigger, settings the filters read): the models of its generations.
CREATE FUNCTION comparisons_summary_run() RETURNS trigger AS $$
BEGIN
    PERFORM comparisons_summary_stale(ARRAY(
        SELECT DISTINCT video_model_id FROM benchmarks_generation WHERE run_id = NEW.id));
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER summary_run AFTER UPDATE ON benchmarks_benchmarkrun FOR EACH ROW
    WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION comparisons_summary_run();

-- A prompt (its category, reference image): the models of its runs' generations.
CREATE FUNCTION comparisons_summary_prompt() RETURNS trigger AS $$
BEGIN
    PERFORM comparisons_summary_stale(ARRAY(
        SELECT DISTINCT g.video_model_id FROM benchmarks_generation g
        JOIN benchmarks_benchmarkrun r ON r.id = g.run_id WHERE r.prompt_id = NEW.id));
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER summary_prompt AFTER UPDATE ON benchmarks_prompt FOR EACH ROW
    WHEN (OLD.category IS DISTINCT FROM NEW.category
          OR OLD.reference_image IS DISTINCT FROM NEW.reference_image)
    EXECUTE FUNCTION comparisons_summary_prompt();

-- A comparison published, taken back, moved or deleted: its run's and its clips' models.
CREATE FUNCTION comparisons_summary_comparison() RETURNS trigger AS $$
DECLARE
    row record;
BEGIN
    FOR row IN SELECT * FROM (SELECT OLD.id AS id, OLD.run_id AS run_id
                              UNION ALL SELECT NEW.id, NEW.run_id) c WHERE c.id IS NOT NULL
    LOOP
        PERFORM comparisons_summary_stale(ARRAY(
            SELECT video_model_id FROM benchmarks_generation WHERE run_id = row.run_id
            UNION SELECT g.video_model_id FROM benchmarks_generation g
            JOIN comparisons_comparison_generations cg ON cg.generation_id = g.id
            WHERE cg.comparison_id = row.id));
    END LOOP;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER summary_comparison_added_or_deleted AFTER INSERT OR DELETE
    ON comparisons_comparison FOR EACH ROW EXECUTE FUNCTION comparisons_summary_comparison();
CREATE TRIGGER summary_comparison_changed AFTER UPDATE ON comparisons_comparison FOR EACH ROW
    WHEN (OLD.published IS DISTINCT FROM NEW.published OR OLD.run_id IS DISTINCT FROM NEW.run_id)
    EXECUTE FUNCTION comparisons_summary_comparison();
""" % {
    "old": ", ".join(f"OLD.{c}" for c in GENERATION_COLUMNS),
    "new": ", ".join(f"NEW.{c}" for c in GENERATION_COLUMNS),
}

BACKWARD = """
DROP TRIGGER IF EXISTS summary_generation_added_or_deleted ON benchmarks_generation;
DROP TRIGGER IF EXISTS summary_generation_changed ON benchmarks_generation;
DROP TRIGGER IF EXISTS summary_quality_report ON benchmarks_qualityreport;
DROP TRIGGER IF EXISTS summary_video_asset ON benchmarks_videoasset;
DROP TRIGGER IF EXISTS summary_comparison_clip ON comparisons_comparison_generations;
DROP TRIGGER IF EXISTS summary_run ON benchmarks_benchmarkrun;
DROP TRIGGER IF EXISTS summary_prompt ON benchmarks_prompt;
DROP TRIGGER IF EXISTS summary_comparison_added_or_deleted ON comparisons_comparison;
DROP TRIGGER IF EXISTS summary_comparison_changed ON comparisons_comparison;
DROP FUNCTION IF EXISTS comparisons_summary_comparison();
DROP FUNCTION IF EXISTS comparisons_summary_prompt();
DROP FUNCTION IF EXISTS comparisons_summary_run();
DROP FUNCTION IF EXISTS comparisons_summary_by_generation();
DROP FUNCTION IF EXISTS comparisons_summary_generation();
DROP FUNCTION IF EXISTS comparisons_summary_stale(bigint[]);
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("comparisons", "0003_model_summary"),
    ]

    operations = [migrations.RunPython(forward, backward)]
