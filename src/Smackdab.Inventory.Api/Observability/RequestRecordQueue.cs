using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Observability;

namespace Smackdab.Inventory.Api.Observability;

/// <summary>
/// Bounded hand-over of request records from request threads to <see cref="RequestRollupWriter"/>. A request never waits:
/// when the queue is full the record is dropped and counted (smackdab_api_request_records_dropped_total).
/// </summary>
public sealed class RequestRecordQueue
{
    private static readonly Counter<long> Dropped = InventoryTelemetry.Meter.CreateCounter<long>(
        InventoryTelemetry.Instruments.RequestRecordsDropped, "{record}", "Request records dropped because the dashboard's write queue was full");

    private readonly Channel<RequestRecord> _channel;

    public RequestRecordQueue(IOptions<ObservabilityOptions> options)
    {
        _channel = Channel.CreateBounded<RequestRecord>(new BoundedChannelOptions(options.Value.RequestQueueCapacity)
        {
            // With Wait, TryWrite answers false when full (DropWrite would report success for a dropped record).
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
    }

    public ChannelReader<RequestRecord> Reader => _channel.Reader;

    public void Add(in RequestRecord record)
    {
        if (!_channel.Writer.TryWrite(record))
        {
            Dropped.Add(1);
        }
    }
}
