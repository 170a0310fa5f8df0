using Microsoft.AspNetCore.Mvc;
using Smackdab.Inventory.Api.Envelope;
using Smackdab.Inventory.Api.Http;
using Smackdab.Inventory.Api.RateLimiting;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Ledger;

namespace Smackdab.Inventory.Api.Controllers;

[Route("v1/inventory/transactions")]
[Tags("Inventory transactions")]
public sealed class InventoryTransactionsController(LedgerService ledger, HoldService holds, ListQueryParser lists, Representation representation) : ApiControllerBase
{
    private static readonly string[] Filters = ["product_id", "location_id", "transaction_type", "reference"];

    /// <summary>Record an inventory transaction.</summary>
    /// <remarks><c>receipt</c>, <c>shipment</c>, <c>return</c>: positive quantity. <c>adjustment</c>: signed quantity with a <c>reason_code</c>.
    /// <c>count</c>: the counted quantity; the difference is booked. A shipment or negative adjustment beyond available stock is
    /// refused with 409 INSUFFICIENT_STOCK (unless the organization allows negative inventory) and writes nothing.
    /// <c>expected_quantity</c> makes the change conditional on the current on_hand (409 CONFLICT when stale).</remarks>
    [HttpPost]
    [RequireScope(Scopes.TransactionsCreate)]
    [ProducesResponseType<SuccessEnvelope<TransactionResponse>>(StatusCodes.Status201Created)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status409Conflict)]
    public async Task<IActionResult> Create([FromBody] CreateTransactionRequest request, CancellationToken ct)
    {
        var transaction = await ledger.PostAsync(request, ct);
        return Created(transaction, "Transaction created successfully", $"/v1/inventory/transactions/{transaction.Id}");
    }

    /// <summary>Record up to 500 transactions, all or nothing.</summary>
    /// <remarks>Atomic: if any item is invalid or would take stock below zero, nothing is written and the error names the item
    /// (<c>transactions[3].quantity.value</c>). Items apply in order, so later items see earlier ones.</remarks>
    [HttpPost("batch")]
    [BulkOperation]
    [RequireScope(Scopes.TransactionsCreate)]
    [ProducesResponseType<SuccessEnvelope<BatchTransactionsResponse>>(StatusCodes.Status201Created)]
    public async Task<IActionResult> Batch([FromBody] BatchTransactionsRequest request, CancellationToken ct)
    {
        var transactions = await ledger.PostManyAsync(request.Transactions!, batch: true, ct);
        return Created(new BatchTransactionsResponse(transactions.Count, transactions), $"{transactions.Count} transactions created successfully");
    }

    /// <summary>List ledger transactions.</summary>
    /// <remarks>Filters: <c>start_date</c>, <c>end_date</c> (dates are inclusive), <c>product_id</c>, <c>location_id</c>, <c>transaction_type</c>, <c>reference</c>.</remarks>
    [HttpGet]
    [RequireScope(Scopes.TransactionsRead)]
    [ProducesResponseType<SuccessEnvelope<List<TransactionResponse>>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> List(CancellationToken ct)
    {
        var (start, end) = DateRange.Parse(Request.Query);
        var page = await ledger.ListAsync(lists.Parse(Request.Query, Filters), start, end, ct);
        return List(page, representation.SelectFields(Request.Query, page.Items, []));
    }

    /// <summary>Get a transaction.</summary>
    [HttpGet("{id}")]
    [RequireScope(Scopes.TransactionsRead)]
    [ProducesResponseType<SuccessEnvelope<TransactionResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Get(string id, CancellationToken ct) =>
        Envelope(representation.SelectFields(Request.Query, await ledger.GetAsync(id, ct), []), "Transaction retrieved successfully");

    /// <summary>Phase 1 of a two-phase transaction: hold the debits.</summary>
    /// <remarks>Debits are reserved against available stock at once (they count as allocated) until commit, abort or
    /// <c>expires_at</c>; an expired hold is released by a background job and can no longer be committed (409).</remarks>
    [HttpPost("prepare")]
    [RequireScope(Scopes.TransactionsCreate)]
    [ProducesResponseType<SuccessEnvelope<HoldResponse>>(StatusCodes.Status201Created)]
    public async Task<IActionResult> Prepare([FromBody] PrepareHoldRequest request, CancellationToken ct)
    {
        var hold = await holds.PrepareAsync(request, ct);
        return Created(hold, "Transaction prepared", $"/v1/inventory/transactions/{hold.TransactionId}/prepared");
    }

    /// <summary>Get a prepared (two-phase) transaction and its status.</summary>
    [HttpGet("{id}/prepared")]
    [RequireScope(Scopes.TransactionsRead)]
    [ProducesResponseType<SuccessEnvelope<HoldResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> GetPrepared(string id, CancellationToken ct) =>
        Envelope(await holds.GetAsync(id, ct), "Prepared transaction retrieved successfully");

    /// <summary>Phase 2: commit a prepared transaction.</summary>
    /// <remarks>Books every operation. Committing again returns the committed transaction; committing an expired, aborted
    /// transaction is 409 CONFLICT.</remarks>
    [HttpPost("{id}/commit")]
    [RequireScope(Scopes.TransactionsCreate)]
    [ProducesResponseType<SuccessEnvelope<HoldResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Commit(string id, CancellationToken ct) =>
        Envelope(await holds.CommitAsync(id, ct), "Transaction committed", toast: true);

    /// <summary>Abort a prepared transaction and release its hold.</summary>
    [HttpPost("{id}/abort")]
    [RequireScope(Scopes.TransactionsCreate)]
    [ProducesResponseType<SuccessEnvelope<HoldResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Abort(string id, CancellationToken ct) =>
        Envelope(await holds.AbortAsync(id, ct), "Transaction aborted", toast: true);
}
