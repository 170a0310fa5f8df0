using System.Globalization;
using FluentValidation;
using Microsoft.EntityFrameworkCore;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Ledger;
using Smackdab.Inventory.Domain.Features.Products;

namespace Smackdab.Inventory.Domain.Features.Sync.Imports;

public sealed record ImportRowError(string ErrorType, string Message, string? Field, string? Value);

/// <summary>What one valid row will do: post a ledger transaction, or create/update a product.</summary>
public sealed record ImportPlan(ImportRow Row, CreateTransactionRequest? Transaction, ProductWriteRequest? Product, string? ExistingProductId, bool Duplicate);

/// <summary>
/// Checks a chunk of rows against the request validators and the organization's data (one query per chunk for products,
/// locations and already-imported ids). Runs in the import's tenant scope, so branch isolation applies.
/// </summary>
public sealed class ImportRowChecker(InventoryDbContext db, IValidator<CreateTransactionRequest> transactionValidator, IValidator<ProductWriteRequest> productValidator)
{
    public async Task<List<(ImportRow Row, ImportPlan? Plan, List<ImportRowError> Errors)>> CheckAsync(
        ImportJob job, IReadOnlyList<ImportRow> rows, HashSet<string> seenKeys, CancellationToken ct)
    {
        var skus = rows.Select(r => r.Get("sku")).OfType<string>().Distinct().ToList();
        var productIds = rows.Select(r => r.Get("product_id")).OfType<string>().Distinct().ToList();
        var products = await db.Products.AsNoTracking()
            .Where(p => skus.Contains(p.Sku) || productIds.Contains(p.Id))
            .ToListAsync(ct);
        var bySku = products.GroupBy(p => p.Sku).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var byProductId = products.ToDictionary(p => p.Id, StringComparer.Ordinal);

        var locationIds = rows.Select(r => r.Get("location_id")).OfType<string>().Distinct().ToList();
        var locationCodes = rows.Select(r => r.Get("location_code")).OfType<string>().Distinct().ToList();
        var locations = await db.Locations.AsNoTracking()
            .Where(l => locationIds.Contains(l.Id) || (l.Code != null && locationCodes.Contains(l.Code)))
            .Select(l => new { l.Id, l.Code })
            .ToListAsync(ct);
        var locationById = locations.Select(l => l.Id).ToHashSet(StringComparer.Ordinal);
        var locationByCode = locations.Where(l => l.Code != null).GroupBy(l => l.Code!).ToDictionary(g => g.Key, g => g.First().Id, StringComparer.Ordinal);

        var keys = rows.Select(r => r.Get("transaction_id")).OfType<string>().Distinct().ToList();
        var imported = job.ImportType == ImportTypes.Transactions && keys.Count > 0
            ? (await db.ImportedRecordKeys.AsNoTracking()
                .Where(k => k.ImportType == job.ImportType && keys.Contains(k.RecordKey))
                .Select(k => k.RecordKey).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal)
            : [];

        var results = new List<(ImportRow, ImportPlan?, List<ImportRowError>)>(rows.Count);
        foreach (var row in rows)
        {
            var errors = new List<ImportRowError>();
            var plan = job.ImportType == ImportTypes.Products
                ? await CheckProductAsync(job, row, bySku, seenKeys, errors, ct)
                : await CheckStockAsync(job, row, bySku, byProductId, locationById, locationByCode, imported, seenKeys, errors, ct);
            results.Add((row, errors.Count == 0 ? plan : null, errors));
        }

        return results;
    }

    private async Task<ImportPlan?> CheckProductAsync(
        ImportJob job, ImportRow row, Dictionary<string, Product> bySku, HashSet<string> seenKeys, List<ImportRowError> errors, CancellationToken ct)
    {
        if (UnknownShape(row, errors))
        {
            return null;
        }

        var price = Decimal(row, "price", errors);
        var currency = row.Get("currency");
        var units = ProductUnitsTextOrError(row, errors);
        var request = new ProductWriteRequest
        {
            Sku = row.Get("sku"),
            Name = row.Get("name"),
            Status = row.Get("status"),
            Category = row.Get("category"),
            Description = row.Get("description"),
            Price = price is { } amount ? new Money(amount, currency ?? "") : null,
            Uom = row.Get("uom"),
            Units = units?.Select(u => new UnitDto { Uom = u.Uom, Factor = u.Factor }).ToList(),
        };
        if (price is < 0)
        {
            errors.Add(new ImportRowError(ImportErrorTypes.NegativeCost, "Price cannot be negative", "price", row.Get("price")));
        }

        await ValidateAsync(productValidator, request, row, errors, ct);
        if (errors.Count > 0 || request.Sku is null)
        {
            return null;
        }

        var duplicate = bySku.TryGetValue(request.Sku, out var existing) || !seenKeys.Add("sku:" + request.Sku);
        if (duplicate && job.DuplicateHandling == ImportDuplicateHandling.Fail)
        {
            errors.Add(new ImportRowError(ImportErrorTypes.DuplicateRecord, $"A product with SKU {request.Sku} already exists", "sku", request.Sku));
            return null;
        }

        return new ImportPlan(row, null, request, existing?.Id, duplicate);
    }

    private async Task<ImportPlan?> CheckStockAsync(
        ImportJob job,
        ImportRow row,
        Dictionary<string, Product> bySku,
        Dictionary<string, Product> byProductId,
        HashSet<string> locationById,
        Dictionary<string, string> locationByCode,
        HashSet<string> imported,
        HashSet<string> seenKeys,
        List<ImportRowError> errors,
        CancellationToken ct)
    {
        if (UnknownShape(row, errors))
        {
            return null;
        }

        var counts = job.ImportType == ImportTypes.Counts;
        var type = counts ? TransactionTypes.Count : row.Get("transaction_type");
        if (type is null)
        {
            errors.Add(new ImportRowError(ImportErrorTypes.MissingField, "transaction_type is required", "transaction_type", null));
        }
        else if (!TransactionTypes.Postable.Contains(type))
        {
            errors.Add(new ImportRowError(ImportErrorTypes.InvalidValue, $"Must be one of: {string.Join(", ", TransactionTypes.Postable)}", "transaction_type", type));
        }

        // An id wins when it resolves; otherwise the SKU / code (files exported from another organization carry both).
        Product? product = null;
        var productId = row.Get("product_id");
        var sku = row.Get("sku");
        if (productId is not null && byProductId.TryGetValue(productId, out var byId))
        {
            product = byId;
        }
        else if (sku is not null && bySku.TryGetValue(sku, out var bySkuMatch))
        {
            product = bySkuMatch;
        }
        else if (productId is not null || sku is not null)
        {
            errors.Add(sku is not null
                ? new ImportRowError(ImportErrorTypes.UnknownProduct, $"No product with SKU {sku}", "sku", sku)
                : new ImportRowError(ImportErrorTypes.UnknownProduct, $"Product {productId} not found", "product_id", productId));
        }
        else
        {
            errors.Add(new ImportRowError(ImportErrorTypes.MissingField, "product_id or sku is required", "product_id", null));
        }

        string? locationId = null;
        var lid = row.Get("location_id");
        var code = row.Get("location_code");
        if (lid is not null && locationById.Contains(lid))
        {
            locationId = lid;
        }
        else if (code is not null && locationByCode.TryGetValue(code, out var byCode))
        {
            locationId = byCode;
        }
        else if (lid is not null || code is not null)
        {
            errors.Add(code is not null
                ? new ImportRowError(ImportErrorTypes.UnknownLocation, $"No location with code {code}", "location_code", code)
                : new ImportRowError(ImportErrorTypes.UnknownLocation, $"Location {lid} not found", "location_id", lid));
        }
        else
        {
            errors.Add(new ImportRowError(ImportErrorTypes.MissingField, "location_id or location_code is required", "location_id", null));
        }

        var quantityField = counts && row.Get("quantity") is null ? "on_hand" : "quantity";
        var quantity = Decimal(row, quantityField, errors, required: true);
        var unitCost = Decimal(row, "unit_cost", errors);
        if (unitCost is < 0)
        {
            errors.Add(new ImportRowError(ImportErrorTypes.NegativeCost, "Unit cost cannot be negative", "unit_cost", row.Get("unit_cost")));
        }

        var uom = row.Get("uom");
        if (product is not null && uom is not null && product.FactorOf(uom) is null)
        {
            errors.Add(new ImportRowError(ImportErrorTypes.InvalidValue, $"Product {product.Sku} has no unit {uom}", "uom", uom));
        }

        var request = new CreateTransactionRequest
        {
            TransactionType = type,
            ProductId = product?.Id ?? "prod_unresolved",
            LocationId = locationId ?? "loc_unresolved",
            Quantity = new QuantityDto { Value = quantity ?? 0, Uom = uom },
            UnitCost = unitCost is { } cost ? new Money(cost, row.Get("currency") ?? "") : null,
            ReasonCode = row.Get("reason_code"),
            Reference = row.Get("reference"),
            Notes = row.Get("notes"),
        };
        if (errors.Count == 0)
        {
            await ValidateAsync(transactionValidator, request, row, errors, ct);
        }

        if (errors.Count > 0)
        {
            return null;
        }

        var key = row.Get("transaction_id");
        var duplicate = key is not null && (imported.Contains(key) || !seenKeys.Add("txn:" + key));
        if (duplicate && job.DuplicateHandling == ImportDuplicateHandling.Fail)
        {
            errors.Add(new ImportRowError(ImportErrorTypes.DuplicateRecord, $"Record {key} was already imported", "transaction_id", key));
            return null;
        }

        return new ImportPlan(row, request, null, null, duplicate);
    }

    private static bool UnknownShape(ImportRow row, List<ImportRowError> errors)
    {
        if (row.Fields.TryGetValue("__not_an_object", out var kind))
        {
            errors.Add(new ImportRowError(ImportErrorTypes.InvalidValue, "Each record must be a JSON object", null, kind));
            return true;
        }

        return false;
    }

    private static decimal? Decimal(ImportRow row, string field, List<ImportRowError> errors, bool required = false)
    {
        var text = row.Get(field);
        if (text is null)
        {
            if (required)
            {
                errors.Add(new ImportRowError(ImportErrorTypes.MissingField, $"{field} is required", field, null));
            }

            return null;
        }

        if (decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        errors.Add(new ImportRowError(ImportErrorTypes.InvalidValue, $"{field} must be a number", field, text));
        return null;
    }

    private static List<ProductUnit>? ProductUnitsTextOrError(ImportRow row, List<ImportRowError> errors)
    {
        var units = Exports.ProductUnitsText.Parse(row.Get("units"));
        if (units is null)
        {
            errors.Add(new ImportRowError(ImportErrorTypes.InvalidValue, "units must look like CASE:12|PACK:6", "units", row.Get("units")));
        }

        return units is { Count: 0 } ? null : units;
    }

    /// <summary>Runs the API's own validator; "quantity.value" and "unit_cost.amount" are reported as the flat columns.</summary>
    private static async Task ValidateAsync<T>(IValidator<T> validator, T request, ImportRow row, List<ImportRowError> errors, CancellationToken ct)
    {
        var result = await validator.ValidateAsync(request, ct);
        foreach (var failure in result.Errors)
        {
            var field = FlatField(failure.PropertyName);
            errors.Add(new ImportRowError(ImportErrorTypes.InvalidValue, failure.ErrorMessage, field, row.Get(field)));
        }
    }

    internal static string FlatField(string propertyPath)
    {
        var snake = string.Concat(propertyPath.Select((c, i) => char.IsUpper(c) ? (i > 0 && propertyPath[i - 1] != '.' ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));
        return snake switch
        {
            "quantity.value" => "quantity",
            "quantity.uom" => "uom",
            "unit_cost.amount" or "price.amount" => snake.Split('.')[0],
            "unit_cost.currency" or "price.currency" => "currency",
            _ => snake.Split('.', '[')[0],
        };
    }
}
