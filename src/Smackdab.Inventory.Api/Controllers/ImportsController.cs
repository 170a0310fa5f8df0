using Microsoft.AspNetCore.Mvc;
using Smackdab.Inventory.Api.Envelope;
using Smackdab.Inventory.Api.Http;
using Smackdab.Inventory.Api.RateLimiting;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Api.Validation;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Products;
using Smackdab.Inventory.Domain.Features.Sync.Imports;

namespace Smackdab.Inventory.Api.Controllers;

/// <summary>The multipart form of POST /v1/inventory/import.</summary>
public sealed class ImportForm
{
    /// <summary>The CSV or JSON file.</summary>
    [FromForm(Name = "file")]
    public IFormFile? File { get; init; }

    [FromForm(Name = "format")]
    public string? Format { get; init; }

    [FromForm(Name = "import_type")]
    public string? ImportType { get; init; }

    [FromForm(Name = "mapping_id")]
    public string? MappingId { get; init; }

    [FromForm(Name = "validation_mode")]
    public string? ValidationMode { get; init; }

    [FromForm(Name = "duplicate_handling")]
    public string? DuplicateHandling { get; init; }

    [FromForm(Name = "error_handling")]
    public string? ErrorHandling { get; init; }
}

[Tags("Imports")]
public sealed class ImportsController(ImportService imports, ListQueryParser lists, RequestValidator validator, Errors.ErrorWriter errors) : ApiControllerBase
{
    private static readonly string[] Filters = ["status", "import_type"];

    /// <summary>Upload a file to import.</summary>
    /// <remarks><c>multipart/form-data</c> with <c>file</c> (CSV with a header row, or JSON: an array of records or an export file),
    /// <c>format</c> csv|json, <c>import_type</c> products|transactions|counts, <c>mapping_id</c>, <c>validation_mode</c> strict|lenient,
    /// <c>duplicate_handling</c> skip|update|fail, <c>error_handling</c> continue|stop (with validation_mode; table in docs/imports.md). Answers 202 with <c>import_id</c> and <c>validation_url</c>; every row is validated
    /// first (strict: nothing applies if any row fails), then rows apply through the ledger in chunks. Sending the same file and
    /// fields again with the same <c>Idempotency-Key</c> replays the first answer and imports nothing twice. See docs/imports.md.</remarks>
    [HttpPost("v1/inventory/import")]
    [BulkOperation(Upload = true)]
    [RequireScope(Scopes.TransactionsCreate)]
    [ProducesResponseType<SuccessEnvelope<ImportResponse>>(StatusCodes.Status202Accepted)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status415UnsupportedMediaType)]
    public async Task<IActionResult> Upload([FromForm] ImportForm form, CancellationToken ct)
    {
        // Checked here rather than with [Consumes], so that the route matches and the Idempotency-Key rules still answer first.
        if (!Request.HasFormContentType)
        {
            await errors.WriteAsync(HttpContext, StatusCodes.Status415UnsupportedMediaType, ErrorCodes.UnsupportedMediaType, "Content-Type must be multipart/form-data");
            return new EmptyResult();
        }

        var request = new ImportRequest
        {
            Format = form.Format,
            ImportType = form.ImportType,
            MappingId = form.MappingId,
            ValidationMode = form.ValidationMode,
            DuplicateHandling = form.DuplicateHandling,
            ErrorHandling = form.ErrorHandling,
        };
        await validator.ValidateAsync(request, ct);
        if (form.File is null)
        {
            throw new ValidationFailedException("file", "A file is required");
        }

        await using var stream = form.File.OpenReadStream();
        var job = await imports.CreateAsync(request, stream, "upload", ct);
        Response.Headers.Location = $"/v1/inventory/imports/{job.ImportId}";
        return Envelope(job, "Import accepted", StatusCodes.Status202Accepted);
    }

    /// <summary>List imports.</summary>
    /// <remarks>Filters: <c>status</c>, <c>import_type</c>. Newest first.</remarks>
    [HttpGet("v1/inventory/imports")]
    [BulkOperation]
    [RequireScope(Scopes.TransactionsRead)]
    [ProducesResponseType<SuccessEnvelope<List<ImportResponse>>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> List(CancellationToken ct) =>
        List(await imports.ListAsync(lists.Parse(Request.Query, Filters), ct));

    /// <summary>Get an import: status, progress and error summary.</summary>
    [HttpGet("v1/inventory/imports/{id}")]
    [RequireScope(Scopes.TransactionsRead)]
    [ProducesResponseType<SuccessEnvelope<ImportResponse>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status404NotFound)]
    public async Task<IActionResult> Get(string id, CancellationToken ct) =>
        Envelope(await imports.GetAsync(id, ct), "Import retrieved successfully");

    /// <summary>The validation report of an import.</summary>
    /// <remarks><c>validation_summary</c> and one page of <c>validation_errors</c> (<c>record_id</c>, <c>error_type</c>, <c>error_message</c>,
    /// <c>field</c>, <c>value</c>) in row order; <c>page</c>/<c>pageSize</c> page through them.</remarks>
    [HttpGet("v1/inventory/imports/{id}/validation")]
    [RequireScope(Scopes.TransactionsRead)]
    [ProducesResponseType<SuccessEnvelope<ImportValidationResponse>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status404NotFound)]
    public async Task<IActionResult> Validation(string id, CancellationToken ct)
    {
        var (report, page) = await imports.ValidationAsync(id, lists.Parse(Request.Query, [], "row_number"), ct);
        return List(page, report);
    }

    /// <summary>Every row error of an import, as CSV.</summary>
    [HttpGet("v1/inventory/imports/{id}/errors")]
    [BulkOperation]
    [RequireScope(Scopes.TransactionsRead)]
    [Produces("text/csv")]
    [ProducesResponseType(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status404NotFound)]
    public async Task<IActionResult> Errors(string id, CancellationToken ct)
    {
        await imports.EnsureExistsAsync(id, ct);
        Response.ContentType = "text/csv; charset=utf-8";
        Response.Headers.ContentDisposition = $"attachment; filename=\"{id}-errors.csv\"";
        await imports.WriteErrorsCsvAsync(id, Response.Body, ct);
        return new EmptyResult();
    }

    /// <summary>Save a column mapping.</summary>
    /// <remarks><c>columns</c> maps each target field to the column that holds it in your files.</remarks>
    [HttpPost("v1/inventory/import-mappings")]
    [RequireScope(Scopes.TransactionsCreate)]
    [ProducesResponseType<SuccessEnvelope<ImportMappingResponse>>(StatusCodes.Status201Created)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status400BadRequest)]
    public async Task<IActionResult> CreateMapping([FromBody] ImportMappingRequest request, CancellationToken ct)
    {
        var mapping = await imports.CreateMappingAsync(request, ct);
        return Created(mapping, "Import mapping created successfully", $"/v1/inventory/import-mappings/{mapping.Id}");
    }

    /// <summary>List column mappings.</summary>
    [HttpGet("v1/inventory/import-mappings")]
    [RequireScope(Scopes.TransactionsRead)]
    [ProducesResponseType<SuccessEnvelope<List<ImportMappingResponse>>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> ListMappings(CancellationToken ct) =>
        List(await imports.ListMappingsAsync(lists.Parse(Request.Query, ["import_type"]), ct));

    /// <summary>Get a column mapping.</summary>
    [HttpGet("v1/inventory/import-mappings/{id}")]
    [RequireScope(Scopes.TransactionsRead)]
    [ProducesResponseType<SuccessEnvelope<ImportMappingResponse>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status404NotFound)]
    public async Task<IActionResult> GetMapping(string id, CancellationToken ct) =>
        Envelope(await imports.GetMappingAsync(id, ct), "Import mapping retrieved successfully");

    /// <summary>Delete a column mapping.</summary>
    [HttpDelete("v1/inventory/import-mappings/{id}")]
    [RequireScope(Scopes.TransactionsCreate)]
    [ProducesResponseType<SuccessEnvelope<DeletedResponse>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status404NotFound)]
    public async Task<IActionResult> DeleteMapping(string id, CancellationToken ct) =>
        Envelope(await imports.DeleteMappingAsync(id, ct), "Import mapping deleted", toast: true);
}
