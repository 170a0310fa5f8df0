using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Allocations;
using Smackdab.Inventory.Domain.Features.Ledger;
using Smackdab.Inventory.Domain.Features.Products;
using Smackdab.Inventory.Domain.Paging;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Domain.Features.Sync.Conflicts;

/// <summary>
/// Inbound sync: an external system reports a balance field or product attributes, and the organization's strategy for that
/// source and field decides. Every change goes through the ledger, allocation or product services; every call is recorded as a
/// decision; disagreements that need a person wait in the conflict queue. Calls for one entity and field are serialized by a
/// row lock on its sync state, so concurrent sources are decided one after another.
/// </summary>
public sealed class SyncService(
    InventoryDbContext db, TenantContext tenant, TimeProvider clock, LedgerService ledger, AllocationService allocations, ProductService products)
{
    public const string ConflictResource = "Conflict";
    public const string CurrentSystem = "current";
    private const string Rule = "no_negative_inventory";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private static readonly IReadOnlyList<SortField<SyncConflict>> ConflictSorts =
        [Pager.Timestamp<SyncConflict>("created_at", c => c.CreatedAt), Pager.Timestamp<SyncConflict>("updated_at", c => c.UpdatedAt)];

    private static readonly IReadOnlyList<SortField<SyncDecision>> DecisionSorts = [Pager.Timestamp<SyncDecision>("created_at", d => d.CreatedAt)];

    public async Task<SyncDecisionResponse> ApplyAsync(SyncRequest request, CancellationToken ct)
    {
        var organizationId = tenant.RequireOrganization();
        var field = request.Field;
        var product = await db.Products.AsNoTracking().FirstOrDefaultAsync(p => p.Id == request.ProductId, ct)
            ?? throw new ValidationFailedException("product_id", "Product not found");
        if (field != SyncFields.Attributes && !await db.Locations.AnyAsync(l => l.Id == request.LocationId, ct))
        {
            throw new ValidationFailedException("location_id", "Location not found");
        }

        var rule = await RuleForAsync(request.Source!, field, ct);
        if (request.Quantity < 0 && rule.Strategy != SyncStrategies.BusinessRule)
        {
            throw new ValidationFailedException("quantity", "Must be zero or more");
        }

        return await db.InTransactionAsync(async () =>
        {
            var decision = (field, rule.Strategy) switch
            {
                (SyncFields.Quantity, SyncStrategies.Version) => await VersionAsync(request, rule, ct),
                (SyncFields.Quantity, SyncStrategies.BusinessRule) => await BusinessRuleAsync(request, ct),
                (SyncFields.Quantity, SyncStrategies.Manual) => await ManualAsync(request, rule, ct),
                (SyncFields.Quantity, _) => await LastWriteWinsQuantityAsync(request, ct),
                (SyncFields.Allocated, SyncStrategies.Manual) => await ManualAsync(request, rule, ct),
                (SyncFields.Allocated, _) => await AdditiveAsync(request, ct),
                (_, SyncStrategies.Manual) => await ManualAsync(request, rule, ct),
                (_, SyncStrategies.LastWriteWins) => await AttributesLastWriteWinsAsync(request, product, ct),
                _ => await FieldLevelAsync(request, product, ct),
            };
            return await RecordAsync(organizationId, request, decision, ct);
        }, ct);
    }

    // ---- strategies -------------------------------------------------------------------------------------------

    private async Task<SyncDecisionResponse> LastWriteWinsQuantityAsync(SyncRequest request, CancellationToken ct)
    {
        var at = SourceTime(request);
        var state = await LockStateAsync(BalanceKey(request), SyncFields.Quantity, ct);
        if (state is not null && at <= state.SourceUpdatedAt)
        {
            return Decision(request, SyncStrategies.LastWriteWins, SyncOutcomes.Skipped) with
            {
                Quantity = ParseDecimal(state.Value), LastUpdated = state.SourceUpdatedAt, UpdatedBy = state.Source,
            };
        }

        await BookCountAsync(request, request.Quantity!.Value, SyncStrategies.LastWriteWins, ct);
        await SaveStateAsync(BalanceKey(request), SyncFields.Quantity, request.Source!, Text(request.Quantity), at, request.Version, ct);
        return Decision(request, SyncStrategies.LastWriteWins, SyncOutcomes.Applied) with
        {
            Quantity = request.Quantity, LastUpdated = at, UpdatedBy = request.Source,
        };
    }

    /// <summary>Applies only a change based on the current version (proposed = current + 1); anything else is a conflict to resolve.</summary>
    private async Task<SyncDecisionResponse> VersionAsync(SyncRequest request, SyncRule rule, CancellationToken ct)
    {
        if (request.Version is not { } proposed)
        {
            throw new ValidationFailedException("version", "Is required: the organization resolves this field by version");
        }

        var at = SourceTime(request);
        var state = await LockStateAsync(BalanceKey(request), SyncFields.Quantity, ct);
        var balance = (await BalanceLocks.LockAsync(db, tenant.RequireOrganization(), [(request.ProductId!, request.LocationId!)], Now(), ct))
            [(request.ProductId!, request.LocationId!)];
        long current = balance.Version;
        if (proposed == current + 1)
        {
            await BookCountAsync(request, request.Quantity!.Value, SyncStrategies.Version, ct);
            await SaveStateAsync(BalanceKey(request), SyncFields.Quantity, request.Source!, Text(request.Quantity), at, proposed, ct);
            return Decision(request, SyncStrategies.Version, SyncOutcomes.Applied) with { Quantity = request.Quantity, CurrentVersion = proposed };
        }

        var proposals = new List<ConflictProposal>();
        if (state is not null)
        {
            proposals.Add(new ConflictProposal { Source = state.Source, ProposedQuantity = ParseDecimal(state.Value), ProposedVersion = state.SourceVersion, Timestamp = state.SourceUpdatedAt });
        }

        proposals.Add(new ConflictProposal { Source = request.Source!, ProposedQuantity = request.Quantity, ProposedVersion = proposed, Timestamp = at });
        var conflict = NewConflict(request, ConflictTypes.VersionConflict, rule, proposals, current, SyncStrategies.Version);
        db.SyncConflicts.Add(conflict);
        return Decision(request, SyncStrategies.Version, SyncOutcomes.Conflict) with
        {
            CurrentVersion = current, Conflicts = proposals, ResolutionRequired = true, ConflictId = conflict.Id, ConflictType = ConflictTypes.VersionConflict,
        };
    }

    /// <summary>Never negative inventory: a negative value is rejected and the current one kept.</summary>
    private async Task<SyncDecisionResponse> BusinessRuleAsync(SyncRequest request, CancellationToken ct)
    {
        var at = SourceTime(request);
        await LockStateAsync(BalanceKey(request), SyncFields.Quantity, ct);
        if (request.Quantity < 0)
        {
            var onHand = await OnHandAsync(request, ct);
            return Decision(request, SyncStrategies.BusinessRule, SyncOutcomes.Rejected) with
            {
                ConflictType = ConflictTypes.BusinessRuleViolation,
                Rule = Rule,
                RejectedValue = request.Quantity,
                AcceptedValue = onHand,
                Resolution = "business_rule_enforcement",
            };
        }

        await BookCountAsync(request, request.Quantity!.Value, SyncStrategies.BusinessRule, ct);
        await SaveStateAsync(BalanceKey(request), SyncFields.Quantity, request.Source!, Text(request.Quantity), at, request.Version, ct);
        return Decision(request, SyncStrategies.BusinessRule, SyncOutcomes.Applied) with { Quantity = request.Quantity, Rule = Rule };
    }

    /// <summary>Each source's allocated quantity is that source's own allocation; the balance's allocated is their sum.</summary>
    private async Task<SyncDecisionResponse> AdditiveAsync(SyncRequest request, CancellationToken ct)
    {
        var at = SourceTime(request);
        await LockStateAsync(BalanceKey(request), SyncFields.Allocated + ":" + request.Source, ct);
        await SetSourceAllocationAsync(request.ProductId!, request.LocationId!, request.Source!, request.Allocated!.Value, ct);
        await SaveStateAsync(BalanceKey(request), SyncFields.Allocated + ":" + request.Source, request.Source!, Text(request.Allocated), at, request.Version, ct);
        var bySource = await AllocatedBySourceAsync(request.ProductId!, request.LocationId!, ct);
        var balance = await db.InventoryBalances.AsNoTracking().FirstAsync(b => b.ProductId == request.ProductId && b.LocationId == request.LocationId, ct);
        return Decision(request, SyncStrategies.Additive, SyncOutcomes.Merged) with
        {
            OnHand = balance.OnHand, Allocated = balance.Allocated, AllocatedBySource = bySource,
        };
    }

    /// <summary>Each attribute is taken when this source changed it later than whoever set it last.</summary>
    private async Task<SyncDecisionResponse> FieldLevelAsync(SyncRequest request, Product product, CancellationToken ct)
    {
        var at = SourceTime(request);
        var key = ProductKey(request);
        var taken = new Dictionary<string, object?>();
        var kept = new List<string>();
        foreach (var (name, value) in request.Attributes!.Sent().OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var state = await LockStateAsync(key, "attr:" + name, ct);
            if (state is not null && at <= state.SourceUpdatedAt)
            {
                kept.Add(name);
                continue;
            }

            taken[name] = value;
            await SaveStateAsync(key, "attr:" + name, request.Source!, JsonSerializer.Serialize(value), at, request.Version, ct);
        }

        var merged = taken.Count > 0 ? await UpdateProductAsync(product.Id, taken, request.Attributes.Currency, ct) : await AttributesOfAsync(product.Id, ct);
        return Decision(request, SyncStrategies.FieldLevel, taken.Count > 0 ? SyncOutcomes.Merged : SyncOutcomes.Skipped) with
        {
            Merged = merged, FieldsApplied = taken.Keys.ToList(), FieldsKept = kept, LastUpdated = at,
        };
    }

    private async Task<SyncDecisionResponse> AttributesLastWriteWinsAsync(SyncRequest request, Product product, CancellationToken ct)
    {
        var at = SourceTime(request);
        var state = await LockStateAsync(ProductKey(request), SyncFields.Attributes, ct);
        if (state is not null && at <= state.SourceUpdatedAt)
        {
            return Decision(request, SyncStrategies.LastWriteWins, SyncOutcomes.Skipped) with
            {
                Merged = await AttributesOfAsync(product.Id, ct), LastUpdated = state.SourceUpdatedAt, UpdatedBy = state.Source,
            };
        }

        var merged = await UpdateProductAsync(product.Id, request.Attributes!.Sent(), request.Attributes.Currency, ct);
        await SaveStateAsync(ProductKey(request), SyncFields.Attributes, request.Source!, null, at, request.Version, ct);
        return Decision(request, SyncStrategies.LastWriteWins, SyncOutcomes.Applied) with { Merged = merged, LastUpdated = at, UpdatedBy = request.Source };
    }

    /// <summary>A value that differs from ours joins the open conflict for this entity and field (or opens one).</summary>
    private async Task<SyncDecisionResponse> ManualAsync(SyncRequest request, SyncRule rule, CancellationToken ct)
    {
        var field = request.Field;
        await LockStateAsync(field == SyncFields.Attributes ? ProductKey(request) : BalanceKey(request), "manual:" + field, ct);
        var proposal = new ConflictProposal
        {
            Source = request.Source!,
            ProposedQuantity = request.Quantity ?? request.Allocated,
            ProposedAttributes = request.Attributes?.Sent(),
            ProposedVersion = request.Version,
            Timestamp = SourceTime(request),
        };

        var current = await CurrentProposalAsync(request, field, ct);
        if (field != SyncFields.Attributes && current.ProposedQuantity == proposal.ProposedQuantity)
        {
            return Decision(request, SyncStrategies.Manual, SyncOutcomes.Skipped) with { Quantity = proposal.ProposedQuantity };
        }

        var conflict = await db.SyncConflicts
            .Where(c => c.Status == ConflictStatuses.Open && c.Field == field && c.ProductId == request.ProductId && c.LocationId == (field == SyncFields.Attributes ? null : request.LocationId))
            .FirstOrDefaultAsync(ct);
        if (conflict is null)
        {
            conflict = NewConflict(request, ConflictTypes.DataInconsistency, rule, [current, proposal], null, SyncStrategies.Manual);
            db.SyncConflicts.Add(conflict);
        }
        else
        {
            var proposals = Proposals(conflict).Where(p => p.Source != proposal.Source).Append(proposal).ToList();
            conflict.Proposals = JsonSerializer.Serialize(proposals, Json);
            conflict.UpdatedAt = Now();
        }

        return Decision(request, SyncStrategies.Manual, SyncOutcomes.Conflict) with
        {
            ConflictId = conflict.Id, ConflictType = conflict.ConflictType, ResolutionRequired = true, Conflicts = Proposals(conflict),
        };
    }

    // ---- the queue --------------------------------------------------------------------------------------------

    public async Task<PagedResult<ConflictResponse>> ListConflictsAsync(ListRequest request, CancellationToken ct)
    {
        var query = db.SyncConflicts.AsNoTracking()
            .WhereFilter(request, "status", c => c.Status)
            .WhereFilter(request, "priority", c => c.Priority)
            .WhereFilter(request, "product_id", c => c.ProductId)
            .WhereFilter(request, "location_id", c => c.LocationId)
            .WhereFilter(request, "conflict_type", c => c.ConflictType)
            .WhereFilter(request, "assigned_to", c => c.AssignedTo);
        return (await Pager.PageAsync(query, request, ConflictSorts, c => c.Id, ct)).Map(ToResponse);
    }

    public async Task<ConflictResponse> GetConflictAsync(string id, CancellationToken ct) =>
        ToResponse(await db.SyncConflicts.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct) ?? throw new NotFoundException(ConflictResource, id));

    /// <summary>Applies the chosen value through the ledger (or the product service) and closes the conflict, once.</summary>
    public async Task<ConflictResponse> ResolveAsync(string id, ResolveConflictRequest request, CancellationToken ct)
    {
        var organizationId = tenant.RequireOrganization();
        return await db.InTransactionAsync(async () =>
        {
            // Locked so that two people resolving at once apply one decision; the second sees it resolved.
            var conflict = await db.SyncConflicts
                .FromSqlInterpolated($"SELECT * FROM sync_conflicts WHERE id = {id} AND organization_id = {organizationId} FOR UPDATE")
                .IgnoreQueryFilters()
                .FirstOrDefaultAsync(ct) ?? throw new NotFoundException(ConflictResource, id);
            if (conflict.Status != ConflictStatuses.Open)
            {
                throw new ConflictException("This conflict is already resolved", new Dictionary<string, object?> { ["status"] = conflict.Status, ["resolved_at"] = conflict.ResolvedAt });
            }

            var proposals = Proposals(conflict);
            ConflictProposal chosen;
            if (request.Source is { } source)
            {
                chosen = proposals.LastOrDefault(p => p.Source == source)
                    ?? throw new ValidationFailedException("source", $"Must be one of: {string.Join(", ", proposals.Select(p => p.Source).Distinct())}");
            }
            else if (conflict.Field == SyncFields.Attributes)
            {
                chosen = new ConflictProposal { Source = "manual", ProposedAttributes = request.Attributes?.Sent() ?? throw new ValidationFailedException("attributes", "Is required for an attribute conflict") };
            }
            else
            {
                chosen = new ConflictProposal { Source = "manual", ProposedQuantity = request.Quantity ?? throw new ValidationFailedException("quantity", "Is required for a quantity conflict") };
            }

            var sync = new SyncRequest { Source = chosen.Source == CurrentSystem ? "manual" : chosen.Source, ProductId = conflict.ProductId, LocationId = conflict.LocationId };
            switch (conflict.Field)
            {
                case SyncFields.Attributes:
                    await UpdateProductAsync(conflict.ProductId, chosen.ProposedAttributes ?? [], request.Attributes?.Currency, ct);
                    break;
                case SyncFields.Allocated:
                    await SetSourceAllocationAsync(conflict.ProductId, conflict.LocationId!, chosen.Source, chosen.ProposedQuantity ?? 0, ct);
                    break;
                default:
                    if (chosen.ProposedQuantity is { } quantity && quantity != await OnHandAsync(sync, ct))
                    {
                        await BookCountAsync(sync with { Quantity = quantity }, quantity, SyncStrategies.Manual, ct, $"Conflict {conflict.Id} resolved");
                    }

                    await SaveStateAsync(BalanceKey(sync), SyncFields.Quantity, sync.Source!, Text(chosen.ProposedQuantity), Now(), chosen.ProposedVersion, ct);
                    break;
            }

            var now = Now();
            conflict.Status = ConflictStatuses.Resolved;
            conflict.ResolvedAt = now;
            conflict.UpdatedAt = now;
            conflict.ResolvedBy = request.ResolvedBy ?? "api";
            conflict.Resolution = JsonSerializer.Serialize(new
            {
                strategy = SyncStrategies.Manual,
                chosen_source = request.Source,
                value = (object?)chosen.ProposedQuantity ?? chosen.ProposedAttributes,
                notes = request.Notes,
            }, Json);
            db.SyncDecisions.Add(new SyncDecision
            {
                Id = PublicId.New("syncd"),
                OrganizationId = organizationId,
                Source = request.Source ?? "manual",
                ProductId = conflict.ProductId,
                LocationId = conflict.LocationId,
                Field = conflict.Field,
                Strategy = SyncStrategies.Manual,
                Outcome = SyncOutcomes.Resolved,
                ConflictId = conflict.Id,
                Detail = conflict.Resolution,
                CreatedAt = now,
            });
            await db.SaveChangesAsync(ct);
            return ToResponse(conflict);
        }, ct);
    }

    // ---- rules and decisions ----------------------------------------------------------------------------------

    public async Task<PagedResult<SyncRuleResponse>> ListRulesAsync(ListRequest request, CancellationToken ct)
    {
        var sorts = new[] { Pager.Text<SyncRule>("source", r => r.Source) };
        return (await Pager.PageAsync(db.SyncRules.AsNoTracking(), request with { Sort = "source" }, sorts, r => r.Field, ct)).Map(ToResponse);
    }

    /// <summary>Replaces the organization's rules.</summary>
    public async Task<IReadOnlyList<SyncRuleResponse>> ReplaceRulesAsync(SyncRulesRequest request, CancellationToken ct)
    {
        var organizationId = tenant.RequireOrganization();
        var now = Now();
        return await db.InTransactionAsync(async () =>
        {
            await db.SyncRules.ExecuteDeleteAsync(ct);
            var rules = request.Rules!.Select(r => new SyncRule
            {
                OrganizationId = organizationId,
                Source = r.Source!,
                Field = r.Field!,
                Strategy = r.Strategy!,
                ConflictPriority = r.ConflictPriority ?? ConflictPriorities.Medium,
                AssignedTo = r.AssignedTo,
                ResolutionHours = r.ResolutionHours ?? 24,
                UpdatedAt = now,
            }).ToList();
            db.SyncRules.AddRange(rules);
            await db.SaveChangesAsync(ct);
            return (IReadOnlyList<SyncRuleResponse>)rules.OrderBy(r => r.Source, StringComparer.Ordinal).ThenBy(r => r.Field, StringComparer.Ordinal).Select(ToResponse).ToList();
        }, ct);
    }

    public async Task<PagedResult<SyncDecisionListItem>> ListDecisionsAsync(ListRequest request, CancellationToken ct)
    {
        var query = db.SyncDecisions.AsNoTracking()
            .WhereFilter(request, "product_id", d => d.ProductId)
            .WhereFilter(request, "source", d => d.Source)
            .WhereFilter(request, "strategy", d => d.Strategy)
            .WhereFilter(request, "outcome", d => d.Outcome)
            .WhereFilter(request, "conflict_id", d => d.ConflictId);
        return (await Pager.PageAsync(query, request, DecisionSorts, d => d.Id, ct))
            .Map(d => new SyncDecisionListItem(d.Id, d.Source, d.ProductId, d.LocationId, d.Field, d.Strategy, d.Outcome, d.ConflictId, JsonNode.Parse(d.Detail), d.CreatedAt));
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private async Task<SyncRule> RuleForAsync(string source, string field, CancellationToken ct)
    {
        var rules = await db.SyncRules.AsNoTracking().Where(r => r.Field == field && (r.Source == source || r.Source == SyncRules.AnySource)).ToListAsync(ct);
        return rules.FirstOrDefault(r => r.Source == source)
            ?? rules.FirstOrDefault()
            ?? new SyncRule { Source = SyncRules.AnySource, Field = field, Strategy = SyncFields.DefaultStrategy(field) };
    }

    private async Task<SyncFieldState?> LockStateAsync(string entityKey, string field, CancellationToken ct)
    {
        var organizationId = tenant.RequireOrganization();
        // Create the row if missing, then lock it: every decision on this entity and field waits for the one before.
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO sync_field_states (organization_id, entity_key, field, source, source_updated_at, applied_at)
            VALUES ({organizationId}, {entityKey}, {field}, '', {DateTime.UnixEpoch}, {Now()}) ON CONFLICT DO NOTHING
            """, ct);
        var state = await db.SyncFieldStates
            .FromSqlInterpolated($"SELECT * FROM sync_field_states WHERE organization_id = {organizationId} AND entity_key = {entityKey} AND field = {field} FOR UPDATE")
            .IgnoreQueryFilters()
            .AsNoTracking()
            .FirstAsync(ct);
        return state.Source.Length == 0 ? null : state;
    }

    private async Task SaveStateAsync(string entityKey, string field, string source, string? value, DateTime sourceUpdatedAt, long? version, CancellationToken ct)
    {
        var organizationId = tenant.RequireOrganization();
        var now = Now();
        await db.SyncFieldStates.Where(s => s.OrganizationId == organizationId && s.EntityKey == entityKey && s.Field == field)
            .ExecuteUpdateAsync(s => s
                .SetProperty(x => x.Source, source)
                .SetProperty(x => x.Value, value)
                .SetProperty(x => x.SourceUpdatedAt, sourceUpdatedAt)
                .SetProperty(x => x.SourceVersion, version)
                .SetProperty(x => x.AppliedAt, now), ct);
    }

    private async Task BookCountAsync(SyncRequest request, decimal quantity, string strategy, CancellationToken ct, string? notes = null)
    {
        await ledger.PostAsync(new CreateTransactionRequest
        {
            TransactionType = TransactionTypes.Count,
            ProductId = request.ProductId,
            LocationId = request.LocationId,
            Quantity = new QuantityDto { Value = quantity },
            Reference = $"sync:{request.Source}",
            Notes = notes ?? $"Inbound sync from {request.Source} ({strategy})",
        }, ct);
    }

    private async Task SetSourceAllocationAsync(string productId, string locationId, string source, decimal target, CancellationToken ct)
    {
        var reference = $"sync:{source}";
        var open = await db.Allocations.Where(a => a.ProductId == productId && a.LocationId == locationId && a.Reference == reference)
            .OrderByDescending(a => a.CreatedAt).ToListAsync(ct);
        var current = open.Sum(a => a.OpenQuantity);
        if (target > current)
        {
            await allocations.CreateAsync(new CreateAllocationRequest
            {
                ProductId = productId, LocationId = locationId, Quantity = new QuantityDto { Value = target - current }, Reference = reference,
            }, ct);
        }
        else if (target < current)
        {
            var release = current - target;
            foreach (var allocation in open.Where(a => a.OpenQuantity > 0))
            {
                var part = Math.Min(release, allocation.OpenQuantity);
                await allocations.ReleaseAsync(allocation.Id, new AllocationQuantityRequest { Quantity = new QuantityDto { Value = part }, Notes = $"Inbound sync from {source}" }, ct);
                release -= part;
                if (release == 0)
                {
                    break;
                }
            }
        }
    }

    private async Task<Dictionary<string, decimal>> AllocatedBySourceAsync(string productId, string locationId, CancellationToken ct)
    {
        var rows = await db.Allocations.AsNoTracking()
            .Where(a => a.ProductId == productId && a.LocationId == locationId && a.Reference != null && a.Reference.StartsWith("sync:"))
            .Select(a => new { a.Reference, Open = a.Quantity - a.ReleasedQuantity - a.FulfilledQuantity })
            .ToListAsync(ct);
        return rows.GroupBy(r => r.Reference!["sync:".Length..]).ToDictionary(g => g.Key, g => g.Sum(r => r.Open), StringComparer.Ordinal);
    }

    private async Task<Dictionary<string, object?>> UpdateProductAsync(string productId, IReadOnlyDictionary<string, object?> fields, string? currency, CancellationToken ct)
    {
        var model = await products.GetWriteModelAsync(productId, ct);
        foreach (var (name, raw) in fields)
        {
            var value = raw is JsonElement element ? Unwrap(element) : raw;
            model = name switch
            {
                "name" => model with { Name = value?.ToString() },
                "category" => model with { Category = value?.ToString() },
                "description" => model with { Description = value?.ToString() },
                "status" => model with { Status = value?.ToString() },
                "price" => model with { Price = new Money(Convert.ToDecimal(value, System.Globalization.CultureInfo.InvariantCulture), currency ?? model.Price?.Currency ?? "USD") },
                _ => model,
            };
        }

        await products.UpdateAsync(productId, model, expectedVersion: null, ct);
        return await AttributesOfAsync(productId, ct);
    }

    private async Task<Dictionary<string, object?>> AttributesOfAsync(string productId, CancellationToken ct)
    {
        var model = await products.GetWriteModelAsync(productId, ct);
        return new Dictionary<string, object?>
        {
            ["name"] = model.Name,
            ["category"] = model.Category,
            ["description"] = model.Description,
            ["price"] = model.Price?.Amount,
            ["status"] = model.Status,
        };
    }

    private async Task<ConflictProposal> CurrentProposalAsync(SyncRequest request, string field, CancellationToken ct)
    {
        if (field == SyncFields.Attributes)
        {
            return new ConflictProposal { Source = CurrentSystem, ProposedAttributes = await AttributesOfAsync(request.ProductId!, ct), Timestamp = Now() };
        }

        if (field == SyncFields.Allocated)
        {
            var bySource = await AllocatedBySourceAsync(request.ProductId!, request.LocationId!, ct);
            return new ConflictProposal { Source = CurrentSystem, ProposedQuantity = bySource.GetValueOrDefault(request.Source!), Timestamp = Now() };
        }

        return new ConflictProposal { Source = CurrentSystem, ProposedQuantity = await OnHandAsync(request, ct), Timestamp = Now() };
    }

    private async Task<decimal> OnHandAsync(SyncRequest request, CancellationToken ct) =>
        await db.InventoryBalances.Where(b => b.ProductId == request.ProductId && b.LocationId == request.LocationId).Select(b => (decimal?)b.OnHand).FirstOrDefaultAsync(ct) ?? 0m;

    private SyncConflict NewConflict(SyncRequest request, string type, SyncRule rule, IReadOnlyList<ConflictProposal> proposals, long? currentVersion, string strategy)
    {
        var now = Now();
        return new SyncConflict
        {
            Id = SyncIds.New(SyncIds.Conflict),
            OrganizationId = tenant.RequireOrganization(),
            ConflictType = type,
            Field = request.Field,
            ProductId = request.ProductId!,
            LocationId = request.Field == SyncFields.Attributes ? null : request.LocationId,
            Priority = rule.ConflictPriority,
            AssignedTo = rule.AssignedTo,
            ResolutionDeadline = now.AddHours(rule.ResolutionHours),
            CurrentVersion = currentVersion,
            Proposals = JsonSerializer.Serialize(proposals, Json),
            Strategy = strategy,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    private async Task<SyncDecisionResponse> RecordAsync(string organizationId, SyncRequest request, SyncDecisionResponse decision, CancellationToken ct)
    {
        var id = PublicId.New("syncd");
        var now = Now();
        var recorded = decision with { DecisionId = id, CreatedAt = now };
        db.SyncDecisions.Add(new SyncDecision
        {
            Id = id,
            OrganizationId = organizationId,
            Source = request.Source!,
            ProductId = request.ProductId!,
            LocationId = request.Field == SyncFields.Attributes ? null : request.LocationId,
            Field = request.Field,
            Strategy = decision.ConflictResolution,
            Outcome = decision.Outcome,
            ConflictId = decision.ConflictId,
            Detail = JsonSerializer.Serialize(recorded, Json),
            CreatedAt = now,
        });
        await db.SaveChangesAsync(ct);
        return recorded;
    }

    private static SyncDecisionResponse Decision(SyncRequest request, string strategy, string outcome) => new()
    {
        Source = request.Source!,
        ProductId = request.ProductId!,
        LocationId = request.Field == SyncFields.Attributes ? null : request.LocationId,
        Field = request.Field,
        ConflictResolution = strategy,
        Outcome = outcome,
    };

    private static List<ConflictProposal> Proposals(SyncConflict conflict) =>
        JsonSerializer.Deserialize<List<ConflictProposal>>(conflict.Proposals, Json) ?? [];

    private static ConflictResponse ToResponse(SyncConflict c)
    {
        var proposals = Proposals(c);
        var values = proposals.GroupBy(p => p.Source).ToDictionary(g => g.Key, g =>
        {
            var p = g.Last();
            return p.ProposedAttributes is { } attributes
                ? attributes.ToDictionary(a => a.Key, a => a.Value is JsonElement e ? Unwrap(e) : a.Value)
                : new Dictionary<string, object?> { [c.Field] = p.ProposedQuantity };
        });
        return new ConflictResponse
        {
            ConflictId = c.Id,
            ConflictType = c.ConflictType,
            ProductId = c.ProductId,
            LocationId = c.LocationId,
            Field = c.Field,
            ConflictingSystems = values.Keys.ToList(),
            Values = values,
            Proposals = proposals,
            CurrentVersion = c.CurrentVersion,
            Status = c.Status,
            Priority = c.Priority,
            AssignedTo = c.AssignedTo,
            ResolutionDeadline = c.ResolutionDeadline,
            ResolutionRequired = c.Status == ConflictStatuses.Open,
            Strategy = c.Strategy,
            Resolution = c.Resolution is null ? null : JsonNode.Parse(c.Resolution),
            ResolvedBy = c.ResolvedBy,
            CreatedAt = c.CreatedAt,
            ResolvedAt = c.ResolvedAt,
        };
    }

    private static SyncRuleResponse ToResponse(SyncRule r) => new(r.Source, r.Field, r.Strategy, r.ConflictPriority, r.AssignedTo, r.ResolutionHours, r.UpdatedAt);

    private static object? Unwrap(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.GetDecimal(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        _ => e.GetRawText(),
    };

    private static string BalanceKey(SyncRequest r) => $"balance:{r.ProductId}:{r.LocationId}";

    private static string ProductKey(SyncRequest r) => $"product:{r.ProductId}";

    private DateTime SourceTime(SyncRequest request) =>
        request.UpdatedAt is { } at ? DateTime.SpecifyKind(at.ToUniversalTime(), DateTimeKind.Utc) : Now();

    private DateTime Now() => clock.GetUtcNow().UtcDateTime;

    private static string? Text(decimal? value) => value?.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static decimal? ParseDecimal(string? text) =>
        decimal.TryParse(text, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : null;
}
