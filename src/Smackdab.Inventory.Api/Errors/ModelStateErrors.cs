using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Api.Errors;

/// <summary>Turns MVC model-binding failures (malformed JSON, wrong types, empty bodies) into the envelope.</summary>
public static partial class ModelStateErrors
{
    public static IActionResult ToEnvelope(ActionContext context)
    {
        var writer = context.HttpContext.RequestServices.GetRequiredService<ErrorWriter>();
        var details = new Dictionary<string, object?>();
        var malformed = false;

        foreach (var (key, entry) in context.ModelState)
        {
            if (entry.ValidationState != ModelValidationState.Invalid)
            {
                continue;
            }

            foreach (var error in entry.Errors)
            {
                var (message, isSyntax) = Describe(error);
                malformed |= isSyntax;
                var unmapped = UnmappedProperty().Match(error.Exception?.Message ?? error.ErrorMessage);
                var field = unmapped.Success ? JoinPath(FieldPath(key, context), unmapped.Groups[1].Value) : FieldPath(key, context);
                details[field] = details.TryGetValue(field, out var existing) && existing is string[] previous
                    ? [.. previous, message]
                    : new[] { message };
            }
        }

        var (code, text) = malformed
            ? (ErrorCodes.MalformedJson, "Request body is not valid JSON")
            : (ErrorCodes.ValidationFailed, "Request validation failed");
        var envelope = writer.Build(context.HttpContext, code, text, details);
        return new BadRequestObjectResult(envelope);
    }

    /// <summary>"$.quantity.value" → "quantity.value"; "$" or the parameter name → "body".</summary>
    public static string FieldPath(string key, ActionContext context)
    {
        var path = key.StartsWith("$.", StringComparison.Ordinal) ? key[2..]
            : key.StartsWith('$') ? key[1..]
            : key;
        var parameterNames = context.ActionDescriptor.Parameters.Select(p => p.Name);
        if (path.Length == 0 || parameterNames.Contains(path, StringComparer.OrdinalIgnoreCase))
        {
            return "body";
        }

        return JsonNamingPolicy.SnakeCaseLower.ConvertName(path.Replace("['", ".", StringComparison.Ordinal).Replace("']", "", StringComparison.Ordinal));
    }

    private static string JoinPath(string parent, string name) =>
        parent == "body" ? name
        : parent == name || parent.EndsWith("." + name, StringComparison.Ordinal) ? parent
        : $"{parent}.{name}";

    private static (string Message, bool IsSyntax) Describe(ModelError error)
    {
        var text = error.Exception?.Message ?? error.ErrorMessage;
        if (text.Contains("could not be converted", StringComparison.Ordinal))
        {
            var target = ConvertedTo().Match(text);
            return (target.Success ? $"Has the wrong type; expected {FriendlyType(target.Groups[1].Value.TrimEnd('.'))}" : "Has the wrong type", false);
        }

        if (text.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            return ("Is not a recognised field", false);
        }

        if (text.Contains("non-empty request body", StringComparison.Ordinal))
        {
            return ("A JSON request body is required", false);
        }

        if (text.Contains("LineNumber", StringComparison.Ordinal) || text.Contains("JSON", StringComparison.Ordinal))
        {
            return ("Is not valid JSON: " + StripPath().Replace(text, string.Empty).Trim(), true);
        }

        return (text, false);
    }

    private static string FriendlyType(string clrType) => clrType switch
    {
        "System.String" => "a string",
        "System.Decimal" or "System.Double" or "System.Int32" or "System.Int64" => "a number",
        "System.Boolean" => "true or false",
        _ when clrType.Contains("List", StringComparison.Ordinal) || clrType.Contains("[]", StringComparison.Ordinal) => "an array",
        _ => "an object",
    };

    [GeneratedRegex(@"converted to ([\w.`\[\]]+)")]
    private static partial Regex ConvertedTo();

    [GeneratedRegex("The JSON property '([^']+)' could not be mapped")]
    private static partial Regex UnmappedProperty();

    [GeneratedRegex(@"Path: .*$")]
    private static partial Regex StripPath();
}
