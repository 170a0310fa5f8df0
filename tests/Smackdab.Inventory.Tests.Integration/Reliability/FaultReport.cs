using System.Globalization;
using Smackdab.Inventory.Tests.Support.Contracts;
using Xunit.Abstractions;

namespace Smackdab.Inventory.Tests.Integration.Reliability;

/// <summary>
/// Checks what a fault left behind against what the clients were told, and prints the figures:
/// every 2xx is in the ledger exactly once (with the id the client got), every one-shot error left nothing, every
/// retried operation ended with exactly one effect, no reference is booked twice, every 503 carried Retry-After.
/// </summary>
public sealed record FaultReport(
    string Fault,
    int Requests,
    int DuringFault,
    int DuringFaultSuccess,
    int DuringFault503,
    int Success,
    int ServiceUnavailable,
    int NoAnswer,
    int Other,
    int Lost,
    int Duplicated,
    int LeftoversOfErrors,
    int NoAnswerCommitted,
    int RetriedOperations,
    int RetriedNotExactlyOnce,
    TimeSpan? Recovery,
    TimeSpan MaxLatency,
    EventFeedCheck Events,
    WebhookDeliveryCheck? Webhooks = null)
{
    /// <summary>Figures of every fault test in this run, also written to TestResults/reliability-figures.txt.</summary>
    private static readonly Lock FileLock = new();

    /// <param name="load">The finished load.</param>
    /// <param name="connectionString">The API's database, read with the test's own connection.</param>
    /// <param name="fault">Label for the figures.</param>
    /// <param name="faultStart">When the fault began (load clock).</param>
    /// <param name="dependencyBack">When the dependency was healthy again (load clock).</param>
    /// <param name="recovered">When the first request after <paramref name="dependencyBack"/> succeeded (load clock).</param>
    /// <param name="webhooks">What the test's webhook receiver got (see <see cref="WebhookTap"/>), where the test subscribed one.</param>
    public static async Task<FaultReport> BuildAsync(KeyedWriteLoad load, string connectionString, string fault, TimeSpan faultStart, TimeSpan dependencyBack, TimeSpan? recovered, WebhookDeliveryCheck? webhooks = null)
    {
        var attempts = load.Attempts.ToList();
        var ledger = await LedgerRows.ByReferenceAsync(connectionString, load.ProductId);
        int Rows(string reference) => ledger.TryGetValue(reference, out var ids) ? ids.Count : 0;

        var faultEnd = recovered ?? dependencyBack;
        var during = attempts.Where(a => a.StartedAt >= faultStart && a.StartedAt <= faultEnd).ToList();
        var successes = attempts.Where(a => a.Status is >= 200 and < 300).ToList();
        var lost = successes.Count(a => Rows(a.Reference) == 0 || !ledger[a.Reference].Contains(a.TransactionId!));
        var duplicated = ledger.Count(r => r.Value.Count > 1);
        var oneShotErrors = attempts.Where(a => !a.Retrying && a.Status is not (>= 200 and < 300)).ToList();
        var retried = attempts.Where(a => a.Retrying).GroupBy(a => a.Operation).ToList();
        var retriedWrong = retried.Count(g => Rows(g.First().Reference) != 1 || g.Last().Status is not (>= 200 and < 300)
            || g.Where(a => a.TransactionId is not null).Select(a => a.TransactionId).Distinct().Count() != 1);

        return new FaultReport(
            fault,
            attempts.Count,
            during.Count,
            during.Count(a => a.Status is >= 200 and < 300),
            during.Count(a => a.Status == 503),
            successes.Count,
            attempts.Count(a => a.Status == 503),
            attempts.Count(a => a.Status == 0),
            attempts.Count(a => a.Status is not (>= 200 and < 300) and not 503 and not 0),
            lost,
            duplicated,
            oneShotErrors.Count(a => a.Status != 0 && Rows(a.Reference) != 0),
            oneShotErrors.Count(a => a.Status == 0 && Rows(a.Reference) != 0),
            retried.Count,
            retriedWrong,
            recovered is null ? null : recovered.Value - dependencyBack,
            attempts.Count == 0 ? TimeSpan.Zero : attempts.Max(a => a.Elapsed),
            await EventFeedCheck.RunAsync(connectionString, load.ProductId),
            webhooks);
    }

    public string Figures => FeedFigures + (Webhooks is null ? "" : "; " + Webhooks.Figures);

    private string FeedFigures => string.Create(CultureInfo.InvariantCulture,
        $"[{Fault}] requests {Requests}; during the fault {DuringFault} (2xx {DuringFaultSuccess}, 503 {DuringFault503}); " +
        $"total 2xx {Success}, 503 {ServiceUnavailable}, no answer {NoAnswer}, other {Other}; lost: {Lost}, duplicated: {Duplicated}, " +
        $"errors that left a row: {LeftoversOfErrors}, unanswered that committed: {NoAnswerCommitted}; retried operations {RetriedOperations}, not exactly once: {RetriedNotExactlyOnce}; " +
        $"recovery {(Recovery is { } r ? $"{r.TotalSeconds:0.00} s after the dependency returned" : "NONE")}; slowest request {MaxLatency.TotalSeconds:0.00} s; {Events.Figures}");

    /// <summary>Prints the figures, then asserts the guarantees; <paramref name="maxLatency"/> is the configured bound on any request.</summary>
    /// <param name="output">Where the figures go.</param>
    /// <param name="maxLatency">The configured bound on any request.</param>
    /// <param name="attempts">The load's attempts.</param>
    /// <param name="allowNoAnswer">Connections may be refused or reset (the API process is stopped or killed).</param>
    /// <param name="noAnswerMayHaveCommitted">
    /// A request cut off by SIGKILL may have committed before its answer was lost: in doubt for a one-shot client, which
    /// is why clients must retry with the same key (the retrying ones are checked for exactly one effect either way).
    /// </param>
    /// <param name="errorsMayHaveCommitted">
    /// PostgreSQL crashed (<c>pg_ctl stop -m immediate</c>): a COMMIT it made durable just before dying has no reply, so the API
    /// answers 503 for a write that did commit. In doubt for a one-shot client, like a request cut off by SIGKILL; the
    /// retrying clients are still checked for exactly one effect, and nothing may be duplicated or lost.
    /// </param>
    public void AssertHeld(ITestOutputHelper output, TimeSpan maxLatency, IReadOnlyCollection<Attempt> attempts, bool allowNoAnswer = false, bool noAnswerMayHaveCommitted = false, bool errorsMayHaveCommitted = false)
    {
        output.WriteLine(Figures);
        lock (FileLock)
        {
            var directory = Path.Combine(RepositoryRoot.Path, "TestResults");
            Directory.CreateDirectory(directory);
            File.AppendAllText(Path.Combine(directory, "reliability-figures.txt"), $"{DateTime.UtcNow:u} {Figures}{Environment.NewLine}");
        }

        var unexpected = attempts.Where(a => !(a.Status is 200 or 201 or 503
            || (a.Status == 409 && a.Code == "IDEMPOTENCY_IN_PROGRESS")
            || (a.Status == 0 && allowNoAnswer))).Take(5).ToList();
        Assert.True(unexpected.Count == 0, "unexpected answers: " + string.Join("; ", unexpected));
        Assert.All(attempts.Where(a => a.Status == 503), a => Assert.True(a.HasRetryAfter && a.Code == "SERVICE_UNAVAILABLE", $"503 without Retry-After or code: {a}"));
        Assert.Equal(0, Lost);
        Assert.Equal(0, Duplicated);
        if (!errorsMayHaveCommitted)
        {
            Assert.Equal(0, LeftoversOfErrors);
        }

        if (!noAnswerMayHaveCommitted)
        {
            Assert.Equal(0, NoAnswerCommitted);
        }
        Assert.Equal(0, RetriedNotExactlyOnce);
        Assert.NotNull(Recovery);
        Assert.True(Events.Held, Events.Figures);
        if (Webhooks is { } webhooks)
        {
            Assert.True(webhooks.DrainTime is not null, "webhooks did not drain in time: " + webhooks.Figures);
            Assert.True(webhooks.Events > 0, "no event matched the subscription: the webhook check proved nothing");
            Assert.Equal(0, webhooks.Missing);
            Assert.Equal(0, webhooks.Unexpected);
            Assert.Equal(0, webhooks.BadSignatures);
            Assert.Equal(0, webhooks.BodyMismatches);
            Assert.Equal(0, webhooks.OutOfOrder);
            Assert.True(webhooks.DuplicatesOutsideWindow == 0, "a webhook-id was sent again without a fault that explains it: " + webhooks.Figures);
        }
        Assert.True(MaxLatency < maxLatency, $"a request took {MaxLatency}, over the configured bound {maxLatency}");
    }
}
