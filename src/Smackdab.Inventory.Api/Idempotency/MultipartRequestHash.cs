using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Smackdab.Inventory.Domain.Features.Idempotency;

namespace Smackdab.Inventory.Api.Idempotency;

/// <summary>
/// The request hash of a multipart/form-data upload: method, path, and each part's name and content hash, in name order.
/// The boundary (random per upload) and the part order are left out, so the same file and fields sent again hash the same.
/// Streams the (buffered) body once, in constant memory, and rewinds it for model binding.
/// </summary>
public static class MultipartRequestHash
{
    public static bool Applies(HttpRequest request) =>
        request.ContentType is { } type && type.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase);

    /// <summary>Null when the body is not valid multipart (model binding then answers the error).</summary>
    public static async Task<string?> ComputeAsync(HttpRequest request, CancellationToken ct)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 } boundary)
        {
            return null;
        }

        request.EnableBuffering();
        var parts = new List<(string Name, string Hash)>();
        try
        {
            var reader = new MultipartReader(boundary, request.Body);
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                var name = ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    ? HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? ""
                    : "";
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[64 * 1024];
                int read;
                while ((read = await section.Body.ReadAsync(buffer, ct)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                }

                parts.Add((name, Convert.ToHexStringLower(hash.GetHashAndReset())));
            }
        }
        catch (IOException)
        {
            return null;
        }
        catch (InvalidDataException)
        {
            return null;
        }
        finally
        {
            request.Body.Position = 0;
        }

        var canonical = new StringBuilder($"{request.Method.ToUpperInvariant()} {request.Path}{request.QueryString}\nmultipart\n");
        foreach (var (name, hash) in parts.OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Hash, StringComparer.Ordinal))
        {
            canonical.Append(name).Append('=').Append(hash).Append('\n');
        }

        return RequestHash.Prefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())));
    }
}
