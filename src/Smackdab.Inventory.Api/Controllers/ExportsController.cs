using Microsoft.AspNetCore.Mvc;
using Smackdab.Inventory.Api.Envelope;
using Smackdab.Inventory.Api.Http;
using Smackdab.Inventory.Api.Idempotency;
using Smackdab.Inventory.Api.RateLimiting;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Api.Validation;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Sync.Exports;

namespace Smackdab.Inventory.Api.Controllers;

[Tags("Exports")]
public sealed class ExportsController(ExportService exports, ListQueryParser lists, RequestValidator validator) : ApiControllerBase
{
    private static readonly string[] Filters = ["status", "data_type", "schedule_id"];

    /// <summary>Start an export (query form).</summary>
    /// <remarks>Answers 202 at once with an <c>export_id</c>; poll <c>GET /v1/inventory/exports/{id}</c> until <c>status</c> is
    /// <c>completed</c>, then download from <c>download_url</c>. The file is one consistent snapshot. <c>data_type</c>: transactions
    /// (default, by <c>created_at</c>), balances, products. <c>compression=gzip</c>; <c>encryption=aes256</c> returns the AES-256-GCM key
    /// once, in this response only (see docs/exports.md for the file layout).</remarks>
    [HttpGet("v1/inventory/export")]
    [BulkOperation]
    [ResponseSecrets("encryption_key")]
    [RequireScope(Scopes.ReportsRead)]
    [ProducesResponseType<SuccessEnvelope<ExportResponse>>(StatusCodes.Status202Accepted)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status400BadRequest)]
    public async Task<IActionResult> StartFromQuery(
        [FromQuery(Name = "format")] string? format,
        [FromQuery(Name = "data_type")] string? dataType,
        [FromQuery(Name = "start_date")] string? startDate,
        [FromQuery(Name = "end_date")] string? endDate,
        [FromQuery(Name = "compression")] string? compression,
        [FromQuery(Name = "encryption")] string? encryption,
        [FromQuery(Name = "retention_days")] int? retentionDays,
        CancellationToken ct)
    {
        var request = new CreateExportRequest
        {
            Format = format,
            DataType = dataType,
            StartDate = startDate,
            EndDate = endDate,
            Compression = compression,
            Encryption = encryption,
            RetentionDays = retentionDays,
        };
        await validator.ValidateAsync(request, ct);
        return await StartAsync(request, ct);
    }

    /// <summary>Start an export.</summary>
    /// <remarks>The same options as <c>GET /v1/inventory/export</c>, in a JSON body. Answers 202 with the job.</remarks>
    [HttpPost("v1/inventory/exports")]
    [BulkOperation]
    [ResponseSecrets("encryption_key")]
    [RequireScope(Scopes.ReportsRead)]
    [ProducesResponseType<SuccessEnvelope<ExportResponse>>(StatusCodes.Status202Accepted)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status400BadRequest)]
    public Task<IActionResult> Start([FromBody] CreateExportRequest request, CancellationToken ct) => StartAsync(request, ct);

    /// <summary>List export jobs.</summary>
    /// <remarks>Filters: <c>status</c>, <c>data_type</c>, <c>schedule_id</c>. Newest first.</remarks>
    [HttpGet("v1/inventory/exports")]
    [BulkOperation]
    [RequireScope(Scopes.ReportsRead)]
    [ProducesResponseType<SuccessEnvelope<List<ExportResponse>>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> List(CancellationToken ct) =>
        List(await exports.ListAsync(lists.Parse(Request.Query, Filters), ct));

    /// <summary>Get an export job: status, progress, record count, file size and download URL.</summary>
    [HttpGet("v1/inventory/exports/{id}")]
    [RequireScope(Scopes.ReportsRead)]
    [ProducesResponseType<SuccessEnvelope<ExportResponse>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status404NotFound)]
    public async Task<IActionResult> Get(string id, CancellationToken ct) =>
        Envelope(await exports.GetAsync(id, ct), "Export retrieved successfully");

    /// <summary>Download a completed export.</summary>
    /// <remarks>The file itself (not an envelope), streamed, with Range support. <c>X-Content-SHA256</c> is the file's hex SHA-256.
    /// 409 while the export is still running; an expired export has no file.</remarks>
    [HttpGet("v1/exports/{id}/download")]
    [BulkOperation]
    [RequireScope(Scopes.ReportsRead)]
    [Produces("application/json", "text/csv", "application/x-ndjson", "application/gzip", "application/octet-stream")]
    [ProducesResponseType(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status409Conflict)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status404NotFound)]
    public async Task<IActionResult> Download(string id, CancellationToken ct)
    {
        var file = await exports.OpenAsync(id, ct);
        if (file.Sha256 is not null)
        {
            Response.Headers["X-Content-SHA256"] = file.Sha256;
        }

        return PhysicalFile(file.Path, file.ContentType, file.FileName, enableRangeProcessing: true);
    }

    private async Task<IActionResult> StartAsync(CreateExportRequest request, CancellationToken ct)
    {
        var (start, end) = DateRange.Parse(request.StartDate, request.EndDate);
        var job = await exports.CreateAsync(request, start, end, ct);
        Response.Headers.Location = $"/v1/inventory/exports/{job.ExportId}";
        return Envelope(job, "Export started", StatusCodes.Status202Accepted);
    }
}
