using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;

namespace Smackdab.Inventory.Domain.Features.Events;

public sealed record IssuedStreamTicket(string Ticket, DateTime ExpiresAt, int ExpiresInSeconds);

/// <summary>Issues and redeems <see cref="StreamTicket"/>s. Redeeming is one atomic UPDATE: a ticket works once, on any instance.</summary>
public sealed class StreamTicketService(InventoryDbContext db, TimeProvider clock, IOptions<EventOptions> options)
{
    public const string Prefix = "stk_";

    public async Task<IssuedStreamTicket> IssueAsync(string organizationId, string? isolatedBranchId, IEnumerable<string> scopes, string? keyId, CancellationToken ct)
    {
        var secret = Prefix + PublicId.RandomToken(40);
        var now = clock.GetUtcNow().UtcDateTime;
        var lifetime = options.Value.StreamTicketSeconds;
        var ticket = new StreamTicket
        {
            Id = SecretHashing.Sha256Hex(secret),
            OrganizationId = organizationId,
            BranchId = isolatedBranchId,
            Scopes = scopes.Distinct(StringComparer.Ordinal).ToList(),
            KeyId = keyId,
            CreatedAt = now,
            ExpiresAt = now.AddSeconds(lifetime),
        };
        db.StreamTickets.Add(ticket);
        await db.SaveChangesAsync(ct);
        return new IssuedStreamTicket(secret, ticket.ExpiresAt, lifetime);
    }

    /// <summary>The ticket, marked used, or null when it is unknown, expired or already used.</summary>
    public async Task<StreamTicket?> RedeemAsync(string secret, CancellationToken ct)
    {
        if (!secret.StartsWith(Prefix, StringComparison.Ordinal) || secret.Length > 100)
        {
            return null;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var connection = db.Database.GetDbConnection();
        var opened = connection.State != System.Data.ConnectionState.Open;
        if (opened)
        {
            await db.Database.OpenConnectionAsync(ct);
        }

        try
        {
            await using var command = connection.CreateCommand();
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            command.CommandText =
                """
                UPDATE stream_tickets SET used_at = @now
                WHERE id = @id AND used_at IS NULL AND expires_at > @now
                RETURNING organization_id, branch_id, scopes, key_id, expires_at
                """;
            command.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = now });
            command.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Text) { Value = SecretHashing.Sha256Hex(secret) });
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                return null;
            }

            return new StreamTicket
            {
                OrganizationId = reader.GetString(0),
                BranchId = reader.IsDBNull(1) ? null : reader.GetString(1),
                Scopes = [.. reader.GetFieldValue<string[]>(2)],
                KeyId = reader.IsDBNull(3) ? null : reader.GetString(3),
                ExpiresAt = reader.GetDateTime(4),
                UsedAt = now,
            };
        }
        finally
        {
            if (opened)
            {
                await db.Database.CloseConnectionAsync();
            }
        }
    }

    /// <summary>Deletes tickets that expired more than an hour ago (called by the retention job).</summary>
    public Task<int> PruneAsync(CancellationToken ct)
    {
        var horizon = clock.GetUtcNow().UtcDateTime.AddHours(-1);
        return db.StreamTickets.Where(t => t.ExpiresAt < horizon).ExecuteDeleteAsync(ct);
    }
}
