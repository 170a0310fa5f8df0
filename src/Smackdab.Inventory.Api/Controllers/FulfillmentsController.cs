using Microsoft.AspNetCore.Mvc;
using Smackdab.Inventory.Api.Envelope;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Sagas;

namespace Smackdab.Inventory.Api.Controllers;

[Tags("Fulfillments")]
public sealed class FulfillmentsController(FulfillmentService fulfillments) : ApiControllerBase
{
    /// <summary>Fulfil an order as a saga: reserve inventory → create shipment → call the external system.</summary>
    /// <remarks>Each step is persisted as it runs; if one fails, the completed steps are compensated in reverse
    /// (cancel shipment, release reservation). Answers 201 with the saga (<c>saga_id</c> <c>saga_…</c>): <c>status</c> is
    /// <c>completed</c> or <c>compensated</c> (with <c>error</c> and each step's state). A saga interrupted by a restart is
    /// resumed or compensated by the next instance; follow it at <c>GET /v1/sagas/{id}</c>.</remarks>
    [HttpPost("v1/fulfillments")]
    [RequireScope(Scopes.TransactionsCreate)]
    [ProducesResponseType<SuccessEnvelope<SagaResponse>>(StatusCodes.Status201Created)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status400BadRequest)]
    public async Task<IActionResult> Create([FromBody] FulfillmentRequest request, CancellationToken ct)
    {
        var saga = await fulfillments.StartAsync(request, ct);
        var message = saga.Status switch
        {
            SagaStatuses.Completed => "Fulfillment completed",
            SagaStatuses.Compensated => "Fulfillment failed and was compensated",
            SagaStatuses.Failed => "Fulfillment failed and its compensation failed; it needs an operator",
            _ => "Fulfillment is still running; follow it at the Location",
        };
        return Created(saga, message, $"/v1/sagas/{saga.SagaId}");
    }

    /// <summary>A saga and the state of each of its steps.</summary>
    [HttpGet("v1/sagas/{id}")]
    [RequireScope(Scopes.TransactionsRead)]
    [ProducesResponseType<SuccessEnvelope<SagaResponse>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorEnvelope>(StatusCodes.Status404NotFound)]
    public async Task<IActionResult> Get(string id, CancellationToken ct) =>
        Envelope(await fulfillments.GetAsync(id, ct), "Saga retrieved successfully");
}
