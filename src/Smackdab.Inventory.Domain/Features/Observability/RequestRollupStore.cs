using System.Text;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using Smackdab.Inventory.Domain.Data;

namespace Smackdab.Inventory.Domain.Features.Observability;

/// <summary>Adds batches of request records to the per-minute rollups, and deletes old rollups.</summary>
public sealed class RequestRollupStore(InventoryDbContext db)
{
    private const int ColumnsPerRow = 10;

    /// <summary>
    /// Aggregates <paramref name="records"/> by rollup key and adds them with one upsert. Rows are sent in key order, so that
    /// two instances adding to the same rows lock them in the same order and never deadlock.
    /// </summary>
    public async Task<int> AddAsync(IReadOnlyCollection<RequestRecord> records, CancellationToken ct)
    {
        if (records.Count == 0)
        {
            return 0;
        }

        var rows = Aggregate(records);
        var sql = new StringBuilder(
            "INSERT INTO api_request_rollups AS r (organization_id, minute, route, method, status_code, error_code, request_count, duration_ms_sum, duration_ms_max, latency_buckets) VALUES ");
        var parameters = new List<NpgsqlParameter>(rows.Count * ColumnsPerRow);
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var p = i * ColumnsPerRow;
            sql.Append(i == 0 ? "" : ", ")
                .Append('(').AppendJoin(", ", Enumerable.Range(p, ColumnsPerRow).Select(n => "@p" + n)).Append(')');
            parameters.Add(new NpgsqlParameter("p" + p, row.OrganizationId));
            parameters.Add(new NpgsqlParameter("p" + (p + 1), NpgsqlDbType.TimestampTz) { Value = row.Minute });
            parameters.Add(new NpgsqlParameter("p" + (p + 2), row.Route));
            parameters.Add(new NpgsqlParameter("p" + (p + 3), row.Method));
            parameters.Add(new NpgsqlParameter("p" + (p + 4), row.StatusCode));
            parameters.Add(new NpgsqlParameter("p" + (p + 5), row.ErrorCode));
            parameters.Add(new NpgsqlParameter("p" + (p + 6), row.RequestCount));
            parameters.Add(new NpgsqlParameter("p" + (p + 7), row.DurationMsSum));
            parameters.Add(new NpgsqlParameter("p" + (p + 8), row.DurationMsMax));
            parameters.Add(new NpgsqlParameter("p" + (p + 9), NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = row.LatencyBuckets });
        }

        sql.Append(
            """
             ON CONFLICT (organization_id, minute, route, method, status_code, error_code) DO UPDATE SET
              request_count = r.request_count + EXCLUDED.request_count,
              duration_ms_sum = r.duration_ms_sum + EXCLUDED.duration_ms_sum,
              duration_ms_max = GREATEST(r.duration_ms_max, EXCLUDED.duration_ms_max),
              latency_buckets = ARRAY(
                SELECT COALESCE(u.a, 0) + COALESCE(u.b, 0)
                FROM unnest(r.latency_buckets, EXCLUDED.latency_buckets) WITH ORDINALITY AS u(a, b, i)
                ORDER BY u.i)
            """);
        await db.Database.ExecuteSqlRawAsync(sql.ToString(), parameters, ct);
        return rows.Count;
    }

    /// <summary>Deletes the rollups of minutes before <paramref name="cutoff"/>.</summary>
    public Task<int> PruneAsync(DateTime cutoff, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"DELETE FROM api_request_rollups WHERE minute < {cutoff}", ct);

    internal static List<ApiRequestRollup> Aggregate(IEnumerable<RequestRecord> records)
    {
        var rows = new Dictionary<(string, DateTime, string, string, int, string), ApiRequestRollup>();
        foreach (var record in records)
        {
            var key = (record.OrganizationId, record.Minute, record.Route, record.Method, record.StatusCode, record.ErrorCode);
            if (!rows.TryGetValue(key, out var row))
            {
                row = new ApiRequestRollup
                {
                    OrganizationId = record.OrganizationId,
                    Minute = record.Minute,
                    Route = record.Route,
                    Method = record.Method,
                    StatusCode = record.StatusCode,
                    ErrorCode = record.ErrorCode,
                    LatencyBuckets = new long[LatencyBuckets.Count],
                };
                rows.Add(key, row);
            }

            row.RequestCount++;
            row.DurationMsSum += record.DurationMs;
            row.DurationMsMax = Math.Max(row.DurationMsMax, record.DurationMs);
            row.LatencyBuckets[LatencyBuckets.IndexOf(record.DurationMs)]++;
        }

        return rows.Values
            .OrderBy(r => r.OrganizationId, StringComparer.Ordinal)
            .ThenBy(r => r.Minute)
            .ThenBy(r => r.Route, StringComparer.Ordinal)
            .ThenBy(r => r.Method, StringComparer.Ordinal)
            .ThenBy(r => r.StatusCode)
            .ThenBy(r => r.ErrorCode, StringComparer.Ordinal)
            .ToList();
    }
}
