using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VoiceProxy.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class KeyedAuditAndReasonCodes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ReasonCodes",
                table: "calls",
                type: "character varying(1000)",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "KeyId",
                table: "audit_seals",
                type: "character varying(32)",
                maxLength: 32,
                nullable: false,
                defaultValue: "");

            // Blocked calls recorded before this migration: their distinct reason codes, in the decision's order.
            migrationBuilder.Sql("""
                UPDATE calls c SET "ReasonCodes" = (
                    SELECT string_agg(code, ' ' ORDER BY first) FROM (
                        SELECT r ->> 'code' AS code, MIN(n) AS first
                        FROM jsonb_array_elements(c."DecisionJson"::jsonb -> 'reasons') WITH ORDINALITY AS t(r, n)
                        GROUP BY r ->> 'code') x)
                WHERE NOT c."Allowed";
                """);

            // Below the application: sealed audit events and seal records can be neither changed, deleted nor truncated,
            // and an unsealed event may only have its chain columns set (what the sealer does). A table's owner can
            // disable these triggers, so the service should not run as the owner: see docs/operations.md.
            migrationBuilder.Sql("""
                CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'audit_events' THEN
                        IF OLD."Position" IS NULL
                            AND (NEW."Id", NEW."At", NEW."Type", NEW."Actor", NEW."Seller", NEW."Subject", NEW."PayloadJson")
                                IS NOT DISTINCT FROM
                                (OLD."Id", OLD."At", OLD."Type", OLD."Actor", OLD."Seller", OLD."Subject", OLD."PayloadJson")
                        THEN
                            RETURN NEW;
                        END IF;
                    END IF;
                    RAISE EXCEPTION 'audit records are append-only: % on % refused', TG_OP, TG_TABLE_NAME;
                END $$;
                """);
            foreach (var table in (string[])["audit_events", "audit_seals"])
            {
                migrationBuilder.Sql($"""
                    CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                        FOR EACH ROW EXECUTE FUNCTION audit_append_only();
                    """);
                migrationBuilder.Sql($"""
                    CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                        FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
                    """);
            }
            migrationBuilder.Sql("REVOKE UPDATE, DELETE, TRUNCATE ON audit_events, audit_seals FROM PUBLIC;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var table in (string[])["audit_events", "audit_seals"])
            {
                migrationBuilder.Sql($"DROP TRIGGER IF EXISTS {table}_append_only ON {table};");
                migrationBuilder.Sql($"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};");
            }
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS audit_append_only();");

            migrationBuilder.DropColumn(
                name: "ReasonCodes",
                table: "calls");

            migrationBuilder.DropColumn(
                name: "KeyId",
                table: "audit_seals");
        }
    }
}
