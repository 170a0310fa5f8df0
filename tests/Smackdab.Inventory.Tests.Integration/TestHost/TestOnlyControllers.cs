using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Products;

namespace Smackdab.Inventory.Tests.Integration.TestHost;

/// <summary>Endpoints that exist only in test hosts (added with AddApplicationPart): shapes the product API does not have yet.</summary>
public sealed class TestOnlyController(InventoryDbContext db, ProductService products) : Smackdab.Inventory.Api.Controllers.ApiControllerBase
{
    /// <summary>A bulk route ([BulkOperation]): bulk rate-limit tier, compressed bodies accepted. Answers the body's size.</summary>
    [HttpPost("v1/test-only/batch")]
    [Smackdab.Inventory.Api.RateLimiting.BulkOperation]
    [RequireScope(Scopes.ProductsWrite)]
    public IActionResult Batch([FromBody] JsonElement body) =>
        Envelope(new { received_bytes = System.Text.Encoding.UTF8.GetByteCount(body.GetRawText()) }, "Batch received");

    /// <summary>A POST under /v1/inventory, where an Idempotency-Key is required by default.</summary>
    [HttpPost("v1/inventory/test-only/echo")]
    [RequireScope(Scopes.ProductsWrite)]
    public IActionResult InventoryEcho([FromBody] JsonElement body) =>
        Envelope(new { id = "echo_" + PublicId.RandomToken(8), echo = body }, "Echo created successfully", StatusCodes.Status201Created);

    /// <summary>A query slower than any test's command timeout.</summary>
    [HttpGet("v1/test-only/slow")]
    [HttpPost("v1/test-only/slow")]
    [RequireScope(Scopes.ProductsRead)]
    public async Task<IActionResult> Slow(CancellationToken ct)
    {
        await db.Database.ExecuteSqlRawAsync("SELECT pg_sleep(5)", ct);
        return Envelope(new { slept = true });
    }

    /// <summary>Creates a product, then fails: the effect must not outlive the failed request.</summary>
    [HttpPost("v1/test-only/create-then-fail")]
    [RequireScope(Scopes.ProductsWrite)]
    public async Task<IActionResult> CreateThenFail([FromBody] ProductWriteRequest request, CancellationToken ct)
    {
        await products.CreateAsync(request, ct);
        throw new InvalidOperationException("failure after the effect");
    }
}
