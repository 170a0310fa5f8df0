using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Mvc;

namespace Smackdab.Inventory.Api.Auth;

/// <summary>
/// The minimal HTML of <c>/oauth/authorize</c>: a consent form on which an organization admin "signs in" by entering an
/// admin API key, and an error page for requests that cannot be redirected back to the client. Everything is HTML-encoded;
/// the page cannot be framed and is never cached.
/// </summary>
public static class ConsentPage
{
    public sealed record Model(
        string ClientId,
        string ClientName,
        string OrganizationId,
        IReadOnlyList<string> Scopes,
        IReadOnlyDictionary<string, string?> Parameters,
        string? Error);

    public static ContentResult Consent(HttpContext context, Model model, int status = StatusCodes.Status200OK)
    {
        var e = HtmlEncoder.Default;
        var html = new StringBuilder();
        html.Append("<h1>Authorize ").Append(e.Encode(model.ClientName)).Append("</h1>");
        html.Append("<p>The application <code>").Append(e.Encode(model.ClientId)).Append("</code> asks to access organization <code>")
            .Append(e.Encode(model.OrganizationId)).Append("</code> with these permissions:</p><ul>");
        foreach (var scope in model.Scopes)
        {
            html.Append("<li><code>").Append(e.Encode(scope)).Append("</code></li>");
        }

        html.Append("</ul>");
        if (model.Error is not null)
        {
            html.Append("<p class=\"error\" role=\"alert\">").Append(e.Encode(model.Error)).Append("</p>");
        }

        html.Append("<form method=\"post\" action=\"/oauth/authorize\">");
        foreach (var (name, value) in model.Parameters)
        {
            if (value is not null)
            {
                html.Append("<input type=\"hidden\" name=\"").Append(e.Encode(name)).Append("\" value=\"").Append(e.Encode(value)).Append("\">");
            }
        }

        html.Append("<label>Organization admin API key (inventory.admin)<br>")
            .Append("<input type=\"password\" name=\"api_key\" autocomplete=\"off\" required size=\"60\"></label>")
            .Append("<p><button type=\"submit\" name=\"decision\" value=\"approve\">Approve</button> ")
            .Append("<button type=\"submit\" name=\"decision\" value=\"deny\" formnovalidate>Deny</button></p></form>");
        return Page(context, "Authorize " + model.ClientName, html.ToString(), status);
    }

    public static ContentResult Error(HttpContext context, int status, string message) =>
        Page(context, "Authorization failed", $"<h1>Authorization failed</h1><p role=\"alert\">{HtmlEncoder.Default.Encode(message)}</p>", status);

    private static ContentResult Page(HttpContext context, string title, string body, int status)
    {
        var headers = context.Response.Headers;
        headers.CacheControl = "no-store";
        headers.Pragma = "no-cache";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";
        var html = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + HtmlEncoder.Default.Encode(title) + "</title>"
            + "<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}.error{color:#b00020}</style></head><body>"
            + body + "</body></html>";
        return new ContentResult { Content = html, ContentType = "text/html; charset=utf-8", StatusCode = status };
    }
}
