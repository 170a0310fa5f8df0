using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Smackdab.Inventory.Domain.Features.Webhooks;

/// <summary>
/// Signs a delivery the Standard Webhooks way (https://www.standardwebhooks.com): <c>webhook-signature</c> holds
/// <c>v1,</c> + base64(HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}")) for every active secret, space-separated;
/// <c>X-Webhook-Signature</c> (the spec's header) holds <c>sha256=</c> + hex(HMAC-SHA256(key, body)) for the current secret.
/// </summary>
public static class WebhookSignature
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";
    public const string LegacySignatureHeader = "X-Webhook-Signature";

    public static string StandardSignatures(string messageId, long timestamp, string body, IEnumerable<byte[]> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var signed = Encoding.UTF8.GetBytes($"{messageId}.{timestamp.ToString(CultureInfo.InvariantCulture)}.{body}");
        return string.Join(' ', keys.Select(key => "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed))));
    }

    public static string BodySignature(string body, byte[] key) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(body)));
}
