using Microsoft.AspNetCore.Mvc;
using Smackdab.Inventory.Api.Envelope;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Ledger;

namespace Smackdab.Inventory.Api.Controllers;

[Route("v1/inventory/transfers")]
[Tags("Inventory transactions")]
public sealed class TransfersController(TransferService transfers) : ApiControllerBase
{
    /// <summary>Move stock between two locations, atomically.</summary>
    /// <remarks>Books an outbound and an inbound ledger row and changes both balances in one database transaction, or nothing.</remarks>
    [HttpPost]
    [RequireScope(Scopes.TransactionsCreate)]
    [ProducesResponseType<SuccessEnvelope<TransferResponse>>(StatusCodes.Status201Created)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status409Conflict)]
    public async Task<IActionResult> Create([FromBody] CreateTransferRequest request, CancellationToken ct)
    {
        var transfer = await transfers.CreateAsync(request, ct);
        return Created(transfer, "Transfer completed successfully", $"/v1/inventory/transfers/{transfer.Id}");
    }

    /// <summary>Get a transfer and its two ledger rows.</summary>
    [HttpGet("{id}")]
    [RequireScope(Scopes.TransactionsRead)]
    [ProducesResponseType<SuccessEnvelope<TransferResponse>>(StatusCodes.Status200OK)]
    public async Task<IActionResult> Get(string id, CancellationToken ct) =>
        Envelope(await transfers.GetAsync(id, ct), "Transfer retrieved successfully");
}
