using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Balances;
using Smackdab.Inventory.Domain.Features.Ledger;
using Smackdab.Inventory.Domain.Features.Sync.Exports;

namespace Smackdab.Inventory.Domain.Features.Sync.Erp;

/// <summary>What a scheduled ERP export contains (stored with its export job).</summary>
public sealed record ErpExportOptions(IReadOnlyList<string> DataTypes, IReadOnlyList<string> TransactionTypes, IReadOnlyList<string> LocationTypes);

/// <summary>
/// Writes the ERP export file: export_metadata {export_id, generated_at, data_period, record_counts} and one section per data
/// type. Reads inside the export's REPEATABLE READ snapshot and streams every section, so the counts and the rows agree.
/// Valuation snapshots are recomputed from the ledger up to the period's end (the same weighted-average rule as receipts, and
/// cost adjustments set the cost), not read from today's balances.
/// </summary>
public static class ErpExportWriter
{
    public const string CostAdjustmentType = "cost_adjustment";

    public static async Task<long> WriteAsync(InventoryDbContext db, ExportJob job, ErpExportOptions options, Stream output, DateTime generatedAt, Func<long, Task> progress, CancellationToken ct)
    {
        var org = job.OrganizationId;
        var start = job.StartDate ?? DateTime.UnixEpoch;
        var end = job.EndDate ?? generatedAt;
        var gl = GlAccountService.Resolver(await db.GlAccountMappings.IgnoreQueryFilters().AsNoTracking().Where(m => m.OrganizationId == org).ToListAsync(ct));

        var transactions = Transactions(db, org, start, end, options);
        var adjustments = db.CostAdjustments.IgnoreQueryFilters().AsNoTracking().Where(a => a.OrganizationId == org && a.CreatedAt >= start && a.CreatedAt < end);
        var include = options.DataTypes.ToHashSet(StringComparer.Ordinal);
        var counts = new Dictionary<string, long>();
        if (include.Contains(ErpDataTypes.InventoryTransactions))
        {
            counts[ErpDataTypes.InventoryTransactions] = await transactions.LongCountAsync(ct);
        }

        if (include.Contains(ErpDataTypes.CostAdjustments))
        {
            counts[ErpDataTypes.CostAdjustments] = await adjustments.LongCountAsync(ct);
        }

        if (include.Contains(ErpDataTypes.ValuationSnapshots))
        {
            counts[ErpDataTypes.ValuationSnapshots] = await LedgerUpTo(db, org, end, options).Select(t => new { t.ProductId, t.LocationId }).Distinct().LongCountAsync(ct);
        }

        await using var json = new Utf8JsonWriter(output);
        json.WriteStartObject();
        json.WriteStartObject("export_metadata");
        json.WriteString("export_id", job.Id);
        json.WriteString("generated_at", ExportRecordWriter.FormatTime(generatedAt));
        json.WriteStartObject("data_period");
        json.WriteString("start", ExportRecordWriter.FormatTime(start));
        json.WriteString("end", ExportRecordWriter.FormatTime(end));
        json.WriteEndObject();
        json.WriteStartObject("record_counts");
        foreach (var (type, count) in counts)
        {
            json.WriteNumber(type, count);
        }

        json.WriteEndObject();
        json.WriteEndObject();

        long written = 0;
        async Task Tick()
        {
            written++;
            if (json.BytesPending > 32 * 1024)
            {
                await json.FlushAsync(ct);
            }

            if (written % 5000 == 0)
            {
                await progress(written);
            }
        }

        if (include.Contains(ErpDataTypes.InventoryTransactions))
        {
            json.WriteStartArray(ErpDataTypes.InventoryTransactions);
            await foreach (var t in transactions.OrderBy(x => x.Row.CreatedAt).ThenBy(x => x.Row.Id).AsAsyncEnumerable().WithCancellation(ct))
            {
                var r = t.Row;
                json.WriteStartObject();
                json.WriteString("transaction_id", r.Id);
                json.WriteString("transaction_type", r.TransactionType);
                json.WriteString("product_id", r.ProductId);
                json.WriteString("sku", t.Sku);
                json.WriteString("location_id", r.LocationId);
                json.WriteStartObject("quantity");
                json.WriteNumber("value", r.InputQuantity);
                json.WriteString("uom", r.InputUom);
                json.WriteEndObject();
                json.WriteNumber("quantity_change", r.QuantityChange);
                if (r.UnitCostAmount is { } unit)
                {
                    json.WriteStartObject("unit_cost");
                    json.WriteNumber("amount", unit);
                    json.WriteString("currency", r.UnitCostCurrency);
                    json.WriteEndObject();
                    json.WriteStartObject("total_cost");
                    json.WriteNumber("amount", Math.Round(unit * Math.Abs(r.InputQuantity), 4));
                    json.WriteString("currency", r.UnitCostCurrency);
                    json.WriteEndObject();
                }
                else
                {
                    json.WriteNull("unit_cost");
                    json.WriteNull("total_cost");
                }

                json.WriteString("reference", r.Reference);
                json.WriteString("created_at", ExportRecordWriter.FormatTime(r.CreatedAt));
                json.WriteString("gl_account", gl(r.TransactionType, t.LocationType));
                json.WriteEndObject();
                await Tick();
            }

            json.WriteEndArray();
        }

        if (include.Contains(ErpDataTypes.CostAdjustments))
        {
            json.WriteStartArray(ErpDataTypes.CostAdjustments);
            await foreach (var a in adjustments.OrderBy(a => a.CreatedAt).ThenBy(a => a.Id).AsAsyncEnumerable().WithCancellation(ct))
            {
                json.WriteStartObject();
                json.WriteString("adjustment_id", a.Id);
                json.WriteString("product_id", a.ProductId);
                json.WriteString("location_id", a.LocationId);
                json.WriteString("adjustment_type", a.AdjustmentType);
                if (a.PreviousCost is { } previous)
                {
                    json.WriteNumber("previous_cost", previous);
                }
                else
                {
                    json.WriteNull("previous_cost");
                }

                json.WriteNumber("new_cost", a.NewCost);
                json.WriteString("currency", a.Currency);
                json.WriteNumber("quantity_affected", a.QuantityAffected);
                json.WriteNumber("total_impact", a.TotalImpact);
                json.WriteString("reason", a.Reason);
                json.WriteString("approved_by", a.ApprovedBy);
                json.WriteString("effective_date", ExportRecordWriter.FormatTime(a.EffectiveDate));
                json.WriteString("transaction_id", a.TransactionId);
                json.WriteEndObject();
                await Tick();
            }

            json.WriteEndArray();
        }

        if (include.Contains(ErpDataTypes.ValuationSnapshots))
        {
            json.WriteStartArray(ErpDataTypes.ValuationSnapshots);
            var rows = from t in LedgerUpTo(db, org, end, options)
                       join p in db.Products.IgnoreQueryFilters() on t.ProductId equals p.Id
                       orderby t.ProductId, t.LocationId, t.CreatedAt, t.Id
                       select new { t.ProductId, p.Sku, t.LocationId, t.TransactionType, t.QuantityChange, t.InputQuantity, t.UnitCostAmount, t.UnitCostCurrency };
            InventoryBalance? replay = null;
            string? sku = null;
            async Task Flush()
            {
                if (replay is null)
                {
                    return;
                }

                json.WriteStartObject();
                json.WriteString("product_id", replay.ProductId);
                json.WriteString("sku", sku);
                json.WriteString("location_id", replay.LocationId);
                json.WriteNumber("quantity", replay.OnHand);
                if (replay.AverageUnitCost is { } average)
                {
                    json.WriteNumber("average_cost", average);
                    json.WriteNumber("value", Math.Round(average * replay.OnHand, 4));
                }
                else
                {
                    json.WriteNull("average_cost");
                    json.WriteNull("value");
                }

                json.WriteString("currency", replay.CostCurrency);
                json.WriteString("as_of", ExportRecordWriter.FormatTime(end));
                json.WriteEndObject();
                await Tick();
            }

            await foreach (var r in rows.AsAsyncEnumerable().WithCancellation(ct))
            {
                if (replay is null || replay.ProductId != r.ProductId || replay.LocationId != r.LocationId)
                {
                    await Flush();
                    replay = new InventoryBalance { ProductId = r.ProductId, LocationId = r.LocationId };
                    sku = r.Sku;
                }

                // The ledger's own costing rules, replayed: receipts move the weighted average, cost adjustments set it.
                if (r.TransactionType == CostAdjustmentType && r.UnitCostAmount is { } newCost)
                {
                    replay.AverageUnitCost = Math.Round(newCost, 4);
                    replay.CostCurrency = r.UnitCostCurrency;
                }
                else if (r.TransactionType == TransactionTypes.Receipt && r.UnitCostAmount is { } unit && r.QuantityChange > 0)
                {
                    Posting.AverageCost(replay, r.QuantityChange, unit * r.InputQuantity / r.QuantityChange, r.UnitCostCurrency!);
                }

                replay.OnHand += r.QuantityChange;
            }

            await Flush();
            json.WriteEndArray();
        }

        json.WriteEndObject();
        await json.FlushAsync(ct);
        return written;
    }

    private sealed class TransactionRow
    {
        public InventoryTransaction Row { get; init; } = null!;

        public string Sku { get; init; } = "";

        public string LocationType { get; init; } = "";
    }

    private static IQueryable<TransactionRow> Transactions(InventoryDbContext db, string org, DateTime start, DateTime end, ErpExportOptions options)
    {
        var types = options.TransactionTypes.ToList();
        var locationTypes = options.LocationTypes.ToList();
        var query = from t in db.InventoryTransactions.IgnoreQueryFilters().AsNoTracking()
                    join p in db.Products.IgnoreQueryFilters() on t.ProductId equals p.Id
                    join l in db.Locations.IgnoreQueryFilters() on t.LocationId equals l.Id
                    where t.OrganizationId == org && t.CreatedAt >= start && t.CreatedAt < end
                    select new TransactionRow { Row = t, Sku = p.Sku, LocationType = l.Type };
        if (types.Count > 0)
        {
            query = query.Where(x => types.Contains(x.Row.TransactionType));
        }

        if (locationTypes.Count > 0)
        {
            query = query.Where(x => locationTypes.Contains(x.LocationType));
        }

        return query;
    }

    private static IQueryable<InventoryTransaction> LedgerUpTo(InventoryDbContext db, string org, DateTime end, ErpExportOptions options)
    {
        var locationTypes = options.LocationTypes.ToList();
        var query = db.InventoryTransactions.IgnoreQueryFilters().AsNoTracking().Where(t => t.OrganizationId == org && t.CreatedAt < end);
        if (locationTypes.Count > 0)
        {
            query = query.Where(t => db.Locations.IgnoreQueryFilters().Any(l => l.Id == t.LocationId && locationTypes.Contains(l.Type)));
        }

        return query;
    }
}
