using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Smackdab.Inventory.Domain.Data.Migrations
{
    /// <inheritdoc />
    public partial class AddIntegrationSyncJobsAndSagas : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "sagas",
                columns: table => new
                {
                    id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    type = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    branch_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    integration_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    product_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    location_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    quantity_value = table.Column<decimal>(type: "numeric(19,4)", precision: 19, scale: 4, nullable: false),
                    quantity_uom = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    reference = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    external_path = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    steps = table.Column<string>(type: "jsonb", nullable: false),
                    error = table.Column<string>(type: "text", nullable: true),
                    completed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    lease_owner = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    lease_expires_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    organization_id = table.Column<string>(type: "text", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_sagas", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "sync_jobs",
                columns: table => new
                {
                    id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    integration_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    priority = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    sync_from = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    sync_until = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    records_to_sync = table.Column<int>(type: "integer", nullable: false),
                    records_synced = table.Column<int>(type: "integer", nullable: false),
                    cursor_created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    cursor_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    estimated_completion = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    last_error = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    failed_passes = table.Column<int>(type: "integer", nullable: false),
                    completed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    lease_owner = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    lease_expires_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    organization_id = table.Column<string>(type: "text", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_sync_jobs", x => x.id);
                    table.ForeignKey(
                        name: "fk_sync_jobs_integrations_integration_id",
                        column: x => x.integration_id,
                        principalTable: "integrations",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_sagas_organization_id_created_at",
                table: "sagas",
                columns: new[] { "organization_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_sagas_status_lease_expires_at",
                table: "sagas",
                columns: new[] { "status", "lease_expires_at" });

            migrationBuilder.CreateIndex(
                name: "ix_sync_jobs_integration_id",
                table: "sync_jobs",
                column: "integration_id");

            migrationBuilder.CreateIndex(
                name: "ix_sync_jobs_organization_id_integration_id_created_at",
                table: "sync_jobs",
                columns: new[] { "organization_id", "integration_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_sync_jobs_status_lease_expires_at",
                table: "sync_jobs",
                columns: new[] { "status", "lease_expires_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "sagas");

            migrationBuilder.DropTable(
                name: "sync_jobs");
        }
    }
}
