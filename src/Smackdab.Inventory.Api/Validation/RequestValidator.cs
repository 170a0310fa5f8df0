using System.Text.Json;
using FluentValidation;
using Microsoft.AspNetCore.Mvc.Filters;
using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Api.Validation;

/// <summary>Runs the FluentValidation validator of a request body and reports failures keyed by snake_case field path.</summary>
public sealed class RequestValidator(IServiceProvider services)
{
    public async Task ValidateAsync<T>(T value, CancellationToken ct)
    {
        if (value is null)
        {
            throw new ValidationFailedException("body", "A JSON request body is required");
        }

        await ValidateObjectAsync(value, typeof(T), ct);
    }

    public async Task ValidateObjectAsync(object value, Type type, CancellationToken ct)
    {
        var nullElements = NullElementCheck.Find(value);
        if (nullElements.Count > 0)
        {
            throw new ValidationFailedException(nullElements);
        }

        if (services.GetService(typeof(IValidator<>).MakeGenericType(type)) is not IValidator validator)
        {
            return;
        }

        var result = await validator.ValidateAsync(new ValidationContext<object>(value), ct);
        if (!result.IsValid)
        {
            var errors = result.Errors
                .GroupBy(e => FieldPath(e.PropertyName))
                .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray());
            throw new ValidationFailedException(errors);
        }
    }

    /// <summary>"Transactions[1].Quantity.Value" → "transactions[1].quantity.value".</summary>
    public static string FieldPath(string propertyName) =>
        propertyName.Length == 0
            ? "body"
            : string.Join('.', propertyName.Split('.').Select(JsonNamingPolicy.SnakeCaseLower.ConvertName));
}

/// <summary>Validates every [FromBody] argument before the action runs.</summary>
public sealed class ValidateBodyFilter(RequestValidator validator) : IAsyncActionFilter
{
    public async Task OnActionExecutionAsync(ActionExecutingContext context, ActionExecutionDelegate next)
    {
        foreach (var parameter in context.ActionDescriptor.Parameters)
        {
            if (parameter.BindingInfo?.BindingSource == Microsoft.AspNetCore.Mvc.ModelBinding.BindingSource.Body
                && parameter.ParameterType != typeof(JsonElement))
            {
                context.ActionArguments.TryGetValue(parameter.Name, out var value);
                if (value is null)
                {
                    // [FromBody(EmptyBodyBehavior = Allow)] declares the body optional.
                    if (parameter.BindingInfo.EmptyBodyBehavior == Microsoft.AspNetCore.Mvc.ModelBinding.EmptyBodyBehavior.Allow)
                    {
                        continue;
                    }

                    throw new ValidationFailedException("body", "A JSON request body is required");
                }

                await validator.ValidateObjectAsync(value, parameter.ParameterType, context.HttpContext.RequestAborted);
            }
        }

        await next();
    }
}
