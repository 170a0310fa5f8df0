using System.Text.RegularExpressions;

namespace Smackdab.Inventory.Api.Idempotency;

/// <summary>The rules of the Idempotency-Key header, free of I/O so that they can be tested on their own.</summary>
public static partial class IdempotencyRules
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const int MaxKeyLength = 255;
    public const string GenericReplayMessage = "Request already processed";
    public const string SecretNotReplayedMessage = "; its secret was shown only once and is not replayed (revoke it and create another if the secret was lost)";

    /// <summary>POST, PATCH and DELETE take a key; GET is safe and PUT is idempotent by itself.</summary>
    public static bool AppliesTo(string method) =>
        HttpMethods.IsPost(method) || HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method);

    /// <summary>A key is required on POSTs under <paramref name="requiredPrefix"/> when the organization requires it.</summary>
    public static bool IsKeyRequired(string method, PathString path, PathString requiredPrefix, bool organizationRequires) =>
        organizationRequires && HttpMethods.IsPost(method) && path.StartsWithSegments(requiredPrefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>1 to 255 printable ASCII characters (space to tilde).</summary>
    public static bool IsValidKey(string key) =>
        key.Length is >= 1 and <= MaxKeyLength && key.All(c => c is >= ' ' and <= '~');

    /// <summary>"Transaction created successfully" → "Transaction already exists"; anything else → "Request already processed".</summary>
    public static string ReplayMessage(string? originalMessage)
    {
        var match = originalMessage is null ? Match.Empty : CreatedMessage().Match(originalMessage);
        return match.Success ? $"{match.Groups["what"].Value} already exists" : GenericReplayMessage;
    }

    /// <summary>A replay answers 200 where the first call created something (201); other statuses are kept.</summary>
    public static int ReplayStatus(int originalStatus) => originalStatus == StatusCodes.Status201Created ? StatusCodes.Status200OK : originalStatus;

    [GeneratedRegex(@"^(?<what>[A-Za-z][\w -]{0,80}?) created\b")]
    private static partial Regex CreatedMessage();
}
