using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Smackdab.Inventory.Domain.Data.Migrations
{
    /// <inheritdoc />
    public partial class AddImportDecodingAndErrorHandling : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "error_handling",
                table: "import_jobs",
                type: "character varying(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "continue");

            migrationBuilder.AddColumn<byte[]>(
                name: "source_decryption_key",
                table: "import_jobs",
                type: "bytea",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "source_encoding",
                table: "import_jobs",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "error_handling",
                table: "import_jobs");

            migrationBuilder.DropColumn(
                name: "source_decryption_key",
                table: "import_jobs");

            migrationBuilder.DropColumn(
                name: "source_encoding",
                table: "import_jobs");
        }
    }
}
