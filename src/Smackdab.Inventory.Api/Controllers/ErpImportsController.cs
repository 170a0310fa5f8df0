using Microsoft.AspNetCore.Mvc;
using Smackdab.Inventory.Api.Envelope;
using Smackdab.Inventory.Api.Http;
using Smackdab.Inventory.Api.RateLimiting;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Sync.Imports;

namespace Smackdab.Inventory.Api.Controllers;

/// <summary>ERP imports: the bulk import of <see cref="ImportsController"/>, with the file fetched from a <c>data_url</c> by the worker.</summary>
[Tags("ERP batch integration")]
public sealed class ErpImportsController(ImportService imports) : ApiControllerBase
{
    private const string Base = "v1/integrations/erp/imports";

    /// <summary>Import a file from a URL.</summary>
    /// <remarks>Answers 202 at once; the worker fetches <c>data_url</c> (https on a public address; a literal private or loopback
    /// address is refused here with 400, a host that resolves to one when the worker connects fails the job), then validates and
    /// applies it like <c>POST /v1/inventory/import</c>. <c>authentication</c> (<c>api_key</c> in <c>header</c>, default X-API-Key,
    /// or <c>bearer</c>; plus optional further <c>headers</c> such as X-Organization-ID) is sent with the fetch, stored encrypted
    /// and erased after it. A fetched file that is gzip (by its magic bytes) is decompressed, and an encrypted Smackdab export
    /// (<c>encryption=aes256</c>) is decrypted with <c>encryption_key</c> — the key its export showed once; it is stored encrypted
    /// until the file is decoded, never returned or logged, and a wrong key fails the import with DECRYPTION_FAILED, applying
    /// nothing. <c>processing_options.error_handling</c> continue|stop decides what happens at a failing record (table in
    /// docs/imports.md). Poll <c>…/{id}/status</c>. The same <c>Idempotency-Key</c> with the same body replays the first answer
    /// and imports nothing twice. See docs/imports.md.</remarks>
    [HttpPost(Base)]
    [BulkOperation]
    [RequireScope(Scopes.TransactionsCreate)]
    [ProducesResponseType<SuccessEnvelope<UrlImportResponse>>(StatusCodes.Status202Accepted)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status400BadRequest)]
    public async Task<IActionResult> Create([FromBody] CreateUrlImportRequest request, CancellationToken ct)
    {
        var job = await imports.CreateFromUrlAsync(request, ct);
        Response.Headers.Location = $"/{Base}/{job.ImportId}/status";
        return Envelope(job, "Import accepted", StatusCodes.Status202Accepted);
    }

    /// <summary>Status of an ERP import.</summary>
    /// <remarks><c>status</c> processing|completed|failed (<c>phase</c> fetching|validating|applying|done), <c>progress</c>,
    /// <c>error_summary</c>, <c>completion_time</c>, and <c>error</c> when it failed (e.g. the source's answer).</remarks>
    [HttpGet(Base + "/{id}/status")]
    [RequireScope(Scopes.TransactionsRead)]
    [ProducesResponseType<SuccessEnvelope<UrlImportResponse>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status404NotFound)]
    public async Task<IActionResult> Status(string id, CancellationToken ct) =>
        Envelope(await imports.GetUrlImportAsync(id, ct), "Import status retrieved successfully");

    /// <summary>Every row error of an ERP import, as CSV.</summary>
    [HttpGet(Base + "/{id}/errors")]
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
}
