using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;

namespace Smackdab.Inventory.Tests.Integration.Fuzz;

/// <summary>The fuzzer's own organization and credentials, and another organization's, for cross-tenant attempts.</summary>
public sealed class FuzzCredentials
{
    public required string OrganizationId { get; init; }

    public required string BranchId { get; init; }

    public required string AdminKey { get; init; }

    public required string PlatformKey { get; init; }

    public string? Bearer { get; set; }

    public required string ForeignOrganizationId { get; init; }

    public required string ForeignBranchId { get; init; }
}

/// <summary>
/// Generates requests for an operation from its swagger description: valid-shaped ones built from the schema (or its
/// example) with real ids, and mutated ones (body, query, path, headers, transport). Deterministic for a given
/// <see cref="Random"/>, apart from the ids learned so far.
/// </summary>
public sealed class RequestFactory(FuzzMemory memory, FuzzCredentials credentials)
{
    private static readonly string[] SharedIdempotencyKeys = Enumerable.Range(0, 8).Select(i => $"fuzz-shared-key-{i}").ToArray();

    private static readonly string[] BadCursors =
    [
        "WyItY3JlYXRlZF9hdCIsIi0xIiwieCJd", // ["-created_at","-1","x"]: a tick count out of range
        Cursor("-created_at", "99999999999999999999999", "x"),
        Cursor("-created_at", "abc", "x"),
        Cursor("-created_at", "", ""),
        Cursor("-created_at", "638000000000000000", "\u0000"),
        Cursor("name", "\u0000", "prod_x"),
        Cursor("-name", "a\u0000b", "\u0000"),
        Cursor("created_at", "9223372036854775807", "x"),
        Cursor("sku", new string('x', 5000), "x"),
        Convert.ToBase64String(Encoding.UTF8.GetBytes("[\"-created_at\",1,2]")),
        Convert.ToBase64String(Encoding.UTF8.GetBytes("{\"a\":1}")),
        Convert.ToBase64String(Encoding.UTF8.GetBytes("[null,null,null]")),
        Convert.ToBase64String(Encoding.UTF8.GetBytes("[\"-created_at\",\"1\"]")),
        Convert.ToBase64String([0xFF, 0xFE, 0x00, 0x5B]),
        "!!!not-base64!!!",
        "====",
        "%00",
        new string('A', 10_000),
    ];

    // No NUL here: Kestrel refuses %00 in a path before the application sees it, and the in-memory server cannot send one.
    private static readonly string[] BadIds =
    [
        "does_not_exist", "prod_" + new string('z', 300), "-1", "0", "null", "undefined", "' OR '1'='1",
        "..", "%2e%2e", "a/b", "日本語", "\ud83d\ude00", " ", "\t", "%", "%ZZ", new string('9', 40), "1e308", "{id}", "*",
        "prod_", "loc_", "txn_", "hold_", new string('a', 5000),
    ];

    private static readonly string[] BadQueryValues =
    [
        "\u0000", "a\u0000", "", " ", "%", "_", "\\", "'", "\"", "'; DROP TABLE products; --", new string('q', 10_000), "日本", "\ud83d\ude00",
        "-1", "0", "1e308", "99999999999999999999", "NaN", "true", "[]", "{}", "null", "a,b,,c", ",,,", "-", "--created_at", "+",
    ];

    private static readonly string[] HugeNumbers = ["0", "-1", "201", "1000000", "2147483647", "2147483648", "99999999999999999999", "1e3", "2.5", "-0", "abc", "0x10", " 5", "5 ", "１"];

    private static readonly string[] Accepts =
    [
        "application/xml", "text/html", "*/*", "application/json;q=0", "application/json, text/plain", "x/y", "application/*",
        "text/event-stream", "image/png", "application/json; charset=utf-16", "",
    ];

    private static readonly string[] ETagValues = ["*", "\"1\"", "W/\"1\"", "\"version-1\"", "garbage", "\"\"", "W/\"\"", "\"v1\", \"v2\"", "\"x\u00e9\"", "1"];

    private static readonly string[] ContentTypes =
    [
        "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=zz", "application/json; charset=utf-16",
        "application/json; charset=iso-8859-1", "garbage", "application/merge-patch+json", "application/octet-stream", "application/json; charset=nonsense",
    ];

    private static readonly string[] ContentEncodings = ["gzip", "br", "deflate", "x-unknown", "gzip, gzip", "identity", "compress", "gzip;q=1"];

    public FuzzRequest Create(int index, FuzzOperation operation, Random random, bool valid)
    {
        var request = new FuzzRequest(index, operation, valid);
        BuildPath(request, random);
        BuildQuery(request, random);
        BuildHeaders(request, random);
        BuildBody(request, random);
        if (!valid && request.Mutations.Count == 0)
        {
            // Every invalid request carries at least one mutation: a random header by default.
            request.Headers.Add(new("Accept", Pick(random, Accepts)));
            request.Mutations.Add("accept");
        }

        return request;
    }

    // ---- path -------------------------------------------------------------------------------------------------

    private void BuildPath(FuzzRequest request, Random random)
    {
        var path = request.Operation.PathTemplate;
        foreach (var parameter in request.Operation.PathParameters)
        {
            string value;
            if (request.Valid || random.NextDouble() < 0.7)
            {
                value = RealId(request, parameter.Name, random);
            }
            else
            {
                value = Pick(random, BadIds);
                request.Mutations.Add("bad path id");
            }

            request.PathValues[parameter.Name] = value;
            path = path.Replace("{" + parameter.Name + "}", Uri.EscapeDataString(value), StringComparison.Ordinal);
        }

        request.Path = path;
    }

    private string RealId(FuzzRequest request, string parameter, Random random)
    {
        var template = request.Operation.PathTemplate;
        var worked = memory.WorkedFor(template, parameter);
        var named = memory.Values(FuzzMemory.FieldForPathParameter(template, parameter));
        var all = memory.AllIds;
        var roll = random.NextDouble();
        IReadOnlyList<string> source = roll < 0.5 && worked.Count > 0 ? worked
            : roll < 0.85 && named.Count > 0 ? named
            : roll < 0.96 || memory.Foreign.Snapshot().Count == 0 || request.Operation.Caller != CallerKind.Tenant ? all
            : memory.Foreign.Snapshot();
        if (source.Count == 0)
        {
            return "missing_" + random.Next(1000).ToString(CultureInfo.InvariantCulture);
        }

        var value = Pick(random, source);
        if (request.Operation.Method == "DELETE" && memory.Protected.ContainsKey(value))
        {
            return "protected_id_not_used";
        }

        if (ReferenceEquals(source, memory.Foreign.Snapshot()) || memory.Foreign.Snapshot().Contains(value))
        {
            request.UsesForeignId = true;
            request.Mutations.Add("foreign id");
        }

        return value;
    }

    // ---- query ------------------------------------------------------------------------------------------------

    private void BuildQuery(FuzzRequest request, Random random)
    {
        var operation = request.Operation;
        var pairs = new List<(string Name, string Value, bool Raw)>();
        foreach (var parameter in operation.QueryParameters)
        {
            if (parameter.Required || random.NextDouble() < (request.Valid && !operation.IsList ? 0.85 : 0.35))
            {
                if (ValidQueryValue(request, parameter, random) is { } value)
                {
                    pairs.Add((parameter.Name, value, false));
                }
            }
        }

        if (operation.IsList && random.NextDouble() < 0.1)
        {
            pairs.Add(("filters[status]", random.NextDouble() < 0.5 ? "active" : "inactive", false));
        }

        if (!request.Valid && random.NextDouble() < 0.6)
        {
            var count = 1 + random.Next(2);
            for (var i = 0; i < count; i++)
            {
                MutateQuery(request, pairs, random);
            }
        }

        request.Query = string.Join("&", pairs.Select(p => p.Raw ? p.Name + "=" + p.Value : Uri.EscapeDataString(p.Name) + "=" + Uri.EscapeDataString(p.Value)));
    }

    private string? ValidQueryValue(FuzzRequest request, FuzzParameter parameter, Random random)
    {
        var template = request.Operation.PathTemplate;
        switch (parameter.Name)
        {
            case "page":
                return (1 + random.Next(3)).ToString(CultureInfo.InvariantCulture);
            case "pageSize" or "limit":
                return (1 + random.Next(50)).ToString(CultureInfo.InvariantCulture);
            case "after_key":
                return memory.Cursors(template) is { Count: > 0 } cursors ? Pick(random, cursors) : null;
            case "sort":
                return Pick(random, ["-created_at", "created_at", "name", "-name", "sku", "-updated_at", "code"]);
            case "q":
                return memory.Values("name") is { Count: > 0 } names && random.NextDouble() < 0.5 ? Pick(random, names) : "widget";
            case "fields":
                return Pick(random, ["id", "id,name", "id,sku,name,created_at", "id,status"]);
            case "include":
                return Pick(random, ["inventory", "pricing", "inventory,pricing"]);
        }

        if (memory.ValuesLike(parameter.Name) is { Count: > 0 } learned)
        {
            return Pick(random, learned);
        }

        return ScalarFor(parameter.Name, parameter.Schema, parameter.Description, random)?.ToJsonString().Trim('"');
    }

    private void MutateQuery(FuzzRequest request, List<(string Name, string Value, bool Raw)> pairs, Random random)
    {
        var operation = request.Operation;
        var declared = operation.QueryParameters.Select(p => p.Name).ToList();
        var kind = random.Next(11);
        switch (kind)
        {
            case 0 when operation.IsList:
                pairs.Add(("after_key", Pick(random, BadCursors), false));
                request.Mutations.Add("bad cursor");
                break;
            case 1:
                pairs.Add((declared.Count > 0 ? Pick(random, declared) : "q", random.NextDouble() < 0.5 ? "\u0000" : "abc\u0000def", false));
                request.Mutations.Add("NUL in query");
                break;
            case 2 when operation.IsList:
                pairs.Add((Pick(random, ["pageSize", "limit", "page", "page_size"]), Pick(random, HugeNumbers), false));
                request.Mutations.Add("page size");
                break;
            case 3 when operation.IsList:
                pairs.Add(("sort", Pick(random, ["nope", "-nope", "--created_at", "+name", ",", "created_at,name", "-", "\u0000", "password_hash", "organization_id"]), false));
                request.Mutations.Add("unknown sort");
                break;
            case 4:
                pairs.Add((Pick(random, ["filters[nope]", "filters[status]", "filters[]", "filters[", "filters]", "filters[[x]]", "filters[organization_id]"]), Pick(random, BadQueryValues), false));
                request.Mutations.Add("unknown filter");
                break;
            case 5:
                pairs.Add(("fields", Pick(random, ["unknown", ",,,", "id,,", "id,password_hash", new string('f', 3000), "*", "data.id"]), false));
                request.Mutations.Add("unknown fields");
                break;
            case 6:
                pairs.Add(("include", Pick(random, ["everything", "inventory,inventory", "../secrets", ",", "pricing,nope"]), false));
                request.Mutations.Add("unknown include");
                break;
            case 7 when declared.Count > 0:
                var name = Pick(random, declared);
                pairs.Add((name, Pick(random, BadQueryValues), false));
                pairs.Add((name, Pick(random, BadQueryValues), false));
                request.Mutations.Add("repeated query parameter");
                break;
            case 8:
                // Raw bytes: invalid percent-encoding and invalid UTF-8 once decoded.
                pairs.Add((declared.Count > 0 ? Pick(random, declared) : "q", Pick(random, ["%FF%FE", "%C3%28", "%ZZ", "%", "%E2%82", "%00%00"]), true));
                request.Mutations.Add("raw query bytes");
                break;
            case 9:
                pairs.Add((Pick(random, ["unknown_param", "organization_id", "X-API-Key", "", "%00"]), Pick(random, BadQueryValues), false));
                request.Mutations.Add("unknown query parameter");
                break;
            default:
                if (declared.Count > 0)
                {
                    pairs.Add((Pick(random, declared), Pick(random, BadQueryValues), false));
                    request.Mutations.Add("bad query value");
                }

                break;
        }
    }

    // ---- headers ----------------------------------------------------------------------------------------------

    private void BuildHeaders(FuzzRequest request, Random random)
    {
        var operation = request.Operation;
        var valid = request.Valid;
        AddCredential(request, random);

        if (operation.DeclaresHeader("X-Organization-ID"))
        {
            var roll = valid ? 0 : random.NextDouble();
            if (roll < 0.9)
            {
                request.Headers.Add(new("X-Organization-ID", credentials.OrganizationId));
            }
            else if (roll < 0.94)
            {
                request.Headers.Add(new("X-Organization-ID", credentials.ForeignOrganizationId));
                request.Mutations.Add("foreign organization header");
            }
            else if (roll < 0.97)
            {
                request.Headers.Add(new("X-Organization-ID", Pick(random, ["", "org_nope", new string('o', 300), "%00", "org_demo"])));
                request.Mutations.Add("bad organization header");
            }
            else
            {
                request.Mutations.Add("no organization header");
            }
        }

        if (operation.DeclaresHeader("X-Branch-ID") && (!valid || random.NextDouble() < 0.1))
        {
            var roll = random.NextDouble();
            if (roll < 0.5)
            {
                request.Headers.Add(new("X-Branch-ID", credentials.BranchId));
            }
            else if (!valid)
            {
                request.Headers.Add(new("X-Branch-ID", roll < 0.7 ? credentials.ForeignBranchId : Pick(random, ["", "branch_nope", "%00", new string('b', 300)])));
                request.Mutations.Add("bad branch header");
            }
        }

        if (operation.DeclaresHeader("X-Inventory-Mode") && random.NextDouble() < (valid ? 0.1 : 0.2))
        {
            var mode = valid ? Pick(random, ["shared", "branch_isolated"]) : Pick(random, ["shared", "branch_isolated", "SHARED", "", "nonsense"]);
            request.Headers.Add(new("X-Inventory-Mode", mode));
            if (!valid)
            {
                request.Mutations.Add("inventory mode");
            }
        }

        var idempotency = random.NextDouble();
        if (valid)
        {
            if (operation.Method is "POST" or "PATCH" or "DELETE")
            {
                request.Headers.Add(new("Idempotency-Key", idempotency < 0.9 ? Guid.NewGuid().ToString() : Pick(random, SharedIdempotencyKeys)));
            }
        }
        else if (idempotency < 0.35)
        {
            request.Headers.Add(new("Idempotency-Key", Guid.NewGuid().ToString()));
        }
        else if (idempotency < 0.5)
        {
            request.Headers.Add(new("Idempotency-Key", Pick(random, SharedIdempotencyKeys)));
            request.Mutations.Add("shared idempotency key");
        }
        else if (idempotency < 0.58)
        {
            request.Headers.Add(new("Idempotency-Key", Pick(random, ["", " ", new string('k', 300), "key with spaces", "%00", "ключ", "a,b"])));
            request.Mutations.Add("bad idempotency key");
        }

        if (!valid && random.NextDouble() < 0.15)
        {
            request.Headers.Add(new("If-Match", EtagValue(request, random)));
            request.Mutations.Add("if-match");
        }

        if (!valid && random.NextDouble() < 0.15)
        {
            request.Headers.Add(new("If-None-Match", EtagValue(request, random)));
            request.Mutations.Add("if-none-match");
        }

        if (!valid && random.NextDouble() < 0.2)
        {
            request.Headers.Add(new("Accept", Pick(random, Accepts)));
            request.Mutations.Add("accept");
        }

        if (!valid && random.NextDouble() < 0.05)
        {
            request.Headers.Add(new("X-Request-ID", Pick(random, ["", new string('r', 500), "id with spaces", "<script>", "req_ok-1"])));
            request.Mutations.Add("request id");
        }
    }

    private string EtagValue(FuzzRequest request, Random random) =>
        memory.Values("etag:" + request.Path) is { Count: > 0 } learned && random.NextDouble() < 0.5 ? Pick(random, learned) : Pick(random, ETagValues);

    private void AddCredential(FuzzRequest request, Random random)
    {
        var caller = request.Operation.Caller;
        var roll = request.Valid ? 0 : random.NextDouble();
        if (caller == CallerKind.Anonymous)
        {
            if (request.Operation.PathTemplate.StartsWith("/oauth", StringComparison.Ordinal) && random.NextDouble() < 0.3)
            {
                var id = memory.Values("client_id") is { Count: > 0 } ids ? Pick(random, ids) : "client_x";
                var secret = memory.Values("secret_of:" + id) is { Count: > 0 } own && random.NextDouble() < 0.7 ? own[^1]
                    : memory.Values("secret") is { Count: > 0 } secrets && random.NextDouble() < 0.5 ? Pick(random, secrets) : "wrong";
                request.Headers.Add(new("Authorization", random.NextDouble() < 0.8
                    ? "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(id + ":" + secret))
                    : Pick(random, ["Basic", "Basic !!!", "Basic " + Convert.ToBase64String([0xFF, 0x3A, 0xFE]), "Bearer x", "Basic Og=="])));
                request.Credential = "basic";
            }

            if (request.Operation.PathTemplate == "/oauth/authorize" && random.NextDouble() < 0.3)
            {
                request.Headers.Add(new("X-API-Key", credentials.AdminKey));
            }

            return;
        }

        var (expected, name) = caller == CallerKind.Platform
            ? (credentials.PlatformKey, "platform")
            : (credentials.AdminKey, "admin");
        if (caller == CallerKind.Tenant && credentials.Bearer is not null && random.NextDouble() < 0.1)
        {
            request.Headers.Add(new("Authorization", "Bearer " + credentials.Bearer));
            request.Credential = "bearer";
            return;
        }

        if (roll < 0.85)
        {
            request.Headers.Add(new("X-API-Key", expected));
            request.Credential = name;
        }
        else if (roll < 0.89)
        {
            request.Headers.Add(new("X-API-Key", caller == CallerKind.Platform ? credentials.AdminKey : credentials.PlatformKey));
            request.Credential = caller == CallerKind.Platform ? "admin" : "platform";
            request.Mutations.Add("other credential kind");
        }
        else if (roll < 0.93)
        {
            request.Credential = "none";
            request.Mutations.Add("no credential");
        }
        else if (roll < 0.97)
        {
            request.Headers.Add(new("X-API-Key", Pick(random, ["sk_live_wrong", "", "sk_platform_x", new string('k', 2000), "%00", expected + "x"])));
            request.Credential = "bogus key";
            request.Mutations.Add("bogus key");
        }
        else
        {
            request.Headers.Add(new("Authorization", Pick(random, ["Bearer ", "Bearer x.y.z", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "Basic Zm9vOmJhcg==", "Bearer " + new string('a', 5000)])));
            request.Credential = "bogus bearer";
            request.Mutations.Add("bogus bearer");
        }
    }

    // ---- body -------------------------------------------------------------------------------------------------

    private void BuildBody(FuzzRequest request, Random random)
    {
        var operation = request.Operation;
        if (operation.BodyMediaType is null)
        {
            if (!request.Valid && operation.Method != "GET" && random.NextDouble() < 0.15)
            {
                request.Body = Encoding.UTF8.GetBytes(random.NextDouble() < 0.5 ? "{\"unexpected\":true}" : "garbage");
                request.ContentType = "application/json";
                request.Mutations.Add("unexpected body");
            }

            return;
        }

        if (operation.IsForm)
        {
            BuildFormBody(request, random);
            return;
        }

        var node = ValidJson(operation, random, newest: random.NextDouble() < 0.5);
        if (!request.Valid)
        {
            var count = 1 + random.Next(3);
            for (var i = 0; i < count; i++)
            {
                node = MutateTree(node, request, random);
            }
        }

        var bytes = Encoding.UTF8.GetBytes(node?.ToJsonString() ?? "null");
        request.ContentType = operation.BodyMediaType;
        if (!request.Valid && random.NextDouble() < 0.3)
        {
            bytes = MutateText(bytes, node, request, random);
        }

        request.Body = bytes;
        if (!request.Valid && random.NextDouble() < 0.15)
        {
            MutateTransport(request, random);
        }
    }

    private JsonNode? ValidJson(FuzzOperation operation, Random random, bool newest)
    {
        var schema = operation.BodySchema;
        var node = schema?["example"] is { } example && random.NextDouble() < 0.8
            ? example.DeepClone()
            : Generate(schema, "body", random, 0);
        node = Personalize(node, "", random, newest);
        if (operation.Method == "PATCH" && node is JsonObject full && full.Count > 1)
        {
            // A merge patch: some of the fields.
            var keep = full.Select(p => p.Key).Where(_ => random.NextDouble() < 0.4).ToHashSet();
            foreach (var key in full.Select(p => p.Key).ToList().Where(k => !keep.Contains(k)))
            {
                full.Remove(key);
            }
        }

        return node;
    }

    /// <summary>Replaces example ids with learned ones and makes unique-looking fields unique.</summary>
    private JsonNode? Personalize(JsonNode? node, string key, Random random, bool newest)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var property in obj.Select(p => p.Key).ToList())
                {
                    if (Personalize(obj[property], property, random, newest) is var replaced && !ReferenceEquals(replaced, obj[property]))
                    {
                        obj[property] = replaced;
                    }
                }

                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (Personalize(array[i], key, random, newest) is var replaced && !ReferenceEquals(replaced, array[i]))
                    {
                        array[i] = replaced;
                    }
                }

                return array;
            case JsonValue value when value.TryGetValue<string>(out var text):
                if (key.EndsWith("_id", StringComparison.Ordinal) || key == "id")
                {
                    // Mostly learned ids: in "newest" requests every id is the newest of its kind, so that a receipt and
                    // the allocation after it meet on the same product and location; sometimes a fresh id (client-chosen
                    // ids such as transaction_id).
                    var learned = memory.IdsFor(key);
                    return learned.Count > 0 && random.NextDouble() < 0.8
                        ? JsonValue.Create(newest ? learned[^1] : Pick(random, learned))
                        : JsonValue.Create(text[..(text.IndexOf('_') + 1)] + "fz" + random.Next(1_000_000).ToString(CultureInfo.InvariantCulture));
                }

                return key is "sku" or "code" or "name"
                    ? JsonValue.Create(text + "-" + random.Next(1_000_000).ToString("x", CultureInfo.InvariantCulture))
                    : value;
            default:
                return node;
        }
    }

    /// <summary>A value of the schema's shape.</summary>
    private JsonNode? Generate(JsonNode? schema, string name, Random random, int depth)
    {
        if (schema is not JsonObject s || depth > 6)
        {
            return JsonValue.Create("x");
        }

        if (s["example"] is { } example && depth > 0)
        {
            return example.DeepClone();
        }

        var type = s["type"]?.GetValue<string>();
        if (type == "object" || s["properties"] is JsonObject)
        {
            var obj = new JsonObject();
            foreach (var (property, propertySchema) in s["properties"]?.AsObject() ?? [])
            {
                if (random.NextDouble() < 0.8)
                {
                    obj[property] = Generate(propertySchema, property, random, depth + 1);
                }
            }

            return obj;
        }

        if (type == "array")
        {
            var array = new JsonArray();
            var count = 1 + random.Next(2);
            for (var i = 0; i < count; i++)
            {
                array.Add(Generate(s["items"], name, random, depth + 1));
            }

            return array;
        }

        return ScalarFor(name, s, s["description"]?.GetValue<string>(), random);
    }

    /// <summary>Protocol values no schema spells out, as a fuzzer's dictionary.</summary>
    private static readonly Dictionary<string, string[]> KnownValues = new(StringComparer.Ordinal)
    {
        ["response_type"] = ["code"],
        ["code_challenge_method"] = ["S256"],
        ["code_challenge"] = ["E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"],
        ["code_verifier"] = ["dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"],
    };

    private JsonNode? ScalarFor(string name, JsonNode? schema, string? description, Random random)
    {
        if (schema?["enum"] is JsonArray { Count: > 0 } values)
        {
            return values[random.Next(values.Count)]?.DeepClone();
        }

        if (KnownValues.TryGetValue(name, out var known) && random.NextDouble() < 0.9)
        {
            return JsonValue.Create(Pick(random, known));
        }

        if (description is not null && Backticked(description) is { Count: > 0 } options)
        {
            return JsonValue.Create(Pick(random, options));
        }

        var type = schema?["type"]?.GetValue<string>();
        var format = schema?["format"]?.GetValue<string>();
        return type switch
        {
            "integer" => JsonValue.Create(1 + random.Next(20)),
            "number" => JsonValue.Create(Math.Round(random.NextDouble() * 100, 2)),
            "boolean" => JsonValue.Create(random.NextDouble() < 0.5),
            _ when format == "date-time" => JsonValue.Create(DateTime.UtcNow.AddMinutes(random.Next(-1000, 1000)).ToString("O")),
            _ when name.EndsWith("_id", StringComparison.Ordinal) && memory.IdsFor(name) is { Count: > 0 } ids => JsonValue.Create(Pick(random, ids)),
            _ when memory.ValuesLike(name) is { Count: > 0 } learned => JsonValue.Create(Pick(random, learned)),
            _ => JsonValue.Create(name + "-" + random.Next(100_000).ToString(CultureInfo.InvariantCulture)),
        };
    }

    private static List<string> Backticked(string description)
    {
        var parts = description.Split('`');
        return parts.Where((_, i) => i % 2 == 1).Where(p => p.Length is > 0 and < 40 && !p.Contains(' ', StringComparison.Ordinal)).ToList();
    }

    private JsonNode? MutateTree(JsonNode? root, FuzzRequest request, Random random)
    {
        var slots = new List<(JsonNode Parent, string? Key, int Index)>();
        Collect(root, slots, 0);
        if (slots.Count == 0 || random.NextDouble() < 0.08)
        {
            request.Mutations.Add("root replaced");
            return Pick<JsonNode?>(random, [JsonValue.Create("x"), new JsonArray(), JsonValue.Create(1), null, new JsonArray(new JsonObject()), JsonValue.Create(true)]);
        }

        var (parent, key, index) = slots[random.Next(slots.Count)];
        var current = key is not null ? parent[key] : parent[index];
        var kind = random.Next(8);
        if (kind == 0 && key is not null)
        {
            parent.AsObject().Remove(key);
            request.Mutations.Add($"missing {key}");
            return root;
        }

        if (kind == 1 && parent is JsonObject extended)
        {
            extended["unexpected_" + random.Next(100).ToString(CultureInfo.InvariantCulture)] = JsonValue.Create("surprise");
            request.Mutations.Add("extra field");
            return root;
        }

        var replacement = current is JsonValue scalar && (scalar.TryGetValue<double>(out _) || scalar.TryGetValue<decimal>(out _) || scalar.TryGetValue<long>(out _)) && random.NextDouble() < 0.6
            ? NumberMutation(random)
            : AnyMutation(random);
        if (key is not null)
        {
            parent[key] = replacement;
        }
        else
        {
            parent.AsArray()[index] = replacement;
        }

        request.Mutations.Add($"{key ?? "[" + index.ToString(CultureInfo.InvariantCulture) + "]"} = {Describe(replacement)}");
        return root;
    }

    private static void Collect(JsonNode? node, List<(JsonNode Parent, string? Key, int Index)> slots, int depth)
    {
        if (depth > 8)
        {
            return;
        }

        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    slots.Add((obj, key, -1));
                    Collect(value, slots, depth + 1);
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    slots.Add((array, null, i));
                    Collect(array[i], slots, depth + 1);
                }

                break;
        }
    }

    private static JsonValue? NumberMutation(Random random) => random.Next(14) switch
    {
        0 => JsonValue.Create(1e308),
        1 => JsonValue.Create(-1e308),
        2 => JsonValue.Create(-1),
        3 => JsonValue.Create(0.5),
        4 => JsonValue.Create(-0.0001),
        5 => JsonValue.Create(0),
        6 => JsonValue.Create(2147483648L),
        7 => JsonValue.Create(9223372036854775807L),
        8 => JsonValue.Create(79228162514264337593543950335m),
        9 => JsonValue.Create(1e-300),
        10 => JsonValue.Create(123456789012345.6789m),
        11 => JsonValue.Create(999999999999999.9999m),
        12 => JsonValue.Create(1.0000000000000002),
        _ => JsonValue.Create(-2147483649L),
    };

    private static JsonNode? AnyMutation(Random random) => random.Next(16) switch
    {
        0 => null,
        1 => JsonValue.Create(""),
        2 => JsonValue.Create(new string('x', 100_000)),
        3 => JsonValue.Create("\u0000"),
        4 => JsonValue.Create(true),
        5 => JsonValue.Create(1e308),
        6 => new JsonArray(),
        7 => new JsonObject(),
        8 => DeepNesting(random.Next(20, 200)),
        9 => JsonValue.Create("12"),
        10 => JsonValue.Create(-1),
        11 => JsonValue.Create(0.5),
        12 => JsonValue.Create("' OR '1'='1"),
        13 => JsonValue.Create("\ud83d\ude00\u202e日本"),
        14 => new JsonArray(Enumerable.Range(0, 2000).Select(i => (JsonNode?)JsonValue.Create(i)).ToArray()),
        _ => JsonValue.Create("   "),
    };

    private static JsonNode DeepNesting(int depth)
    {
        JsonNode node = JsonValue.Create(1);
        for (var i = 0; i < depth; i++)
        {
            node = i % 2 == 0 ? new JsonArray(node) : new JsonObject { ["a"] = node };
        }

        return node;
    }

    private static string Describe(JsonNode? node)
    {
        var text = node?.ToJsonString() ?? "null";
        return text.Length > 40 ? text[..40] + $"…({text.Length} chars)" : text;
    }

    private static byte[] MutateText(byte[] bytes, JsonNode? node, FuzzRequest request, Random random)
    {
        var text = Encoding.UTF8.GetString(bytes);
        switch (random.Next(10))
        {
            case 0 when node is JsonObject { Count: > 0 } obj:
                var (key, value) = obj.First();
                request.Mutations.Add("duplicate key " + key);
                return Encoding.UTF8.GetBytes("{" + JsonValue.Create(key)!.ToJsonString() + ":" + (value?.ToJsonString() ?? "null") + "," + text[1..]);
            case 1 when bytes.Length > 1:
                request.Mutations.Add("truncated");
                return bytes[..random.Next(1, bytes.Length)];
            case 2:
                request.Mutations.Add("invalid UTF-8");
                var quote = Array.IndexOf(bytes, (byte)'"', 1);
                var at = quote < 0 ? bytes.Length / 2 : quote + 1;
                byte[] bad = Pick<byte[]>(random, [[0xFF, 0xFE], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xF0, 0x28, 0x8C, 0x28], [0x80]]);
                return [.. bytes[..at], .. bad, .. bytes[at..]];
            case 3:
                request.Mutations.Add("trailing garbage");
                return Encoding.UTF8.GetBytes(text + Pick(random, ["}}}", ",", " x", "\u0000", "]"]));
            case 4:
                request.Mutations.Add("comments and trailing commas");
                return Encoding.UTF8.GetBytes("/* c */" + text.Replace("}", ",}", StringComparison.Ordinal));
            case 5:
                request.Mutations.Add("BOM");
                return [0xEF, 0xBB, 0xBF, .. bytes];
            case 6:
                request.Mutations.Add("deeply nested");
                var depth = random.Next(100, 5000);
                return Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth));
            case 7:
                request.Mutations.Add("empty body");
                return [];
            case 8:
                request.Mutations.Add("single quotes");
                return Encoding.UTF8.GetBytes(text.Replace('"', '\''));
            default:
                request.Mutations.Add("NaN literal");
                return Encoding.UTF8.GetBytes(System.Text.RegularExpressions.Regex.Replace(text, "\\b\\d+(\\.\\d+)?\\b", Pick(random, ["NaN", "Infinity", "-Infinity", "1e999", "01", "0x1F", "1_000"]), System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1)));
        }
    }

    private static void MutateTransport(FuzzRequest request, Random random)
    {
        if (random.NextDouble() < 0.5)
        {
            request.ContentType = random.NextDouble() < 0.15 ? null : Pick(random, ContentTypes);
            request.Mutations.Add("content-type " + (request.ContentType ?? "none"));
            return;
        }

        var roll = random.NextDouble();
        if (roll < 0.25)
        {
            // A well-formed gzip body: the decompression path itself.
            request.Body = Gzip(request.Body!);
            request.ContentEncoding = "gzip";
            request.Mutations.Add("gzip body");
        }
        else if (roll < 0.3)
        {
            request.Body = Gzip(new byte[4 * 1024 * 1024]);
            request.ContentEncoding = "gzip";
            request.Mutations.Add("gzip bomb");
        }
        else
        {
            request.ContentEncoding = Pick(random, ContentEncodings);
            request.Mutations.Add("bogus content-encoding " + request.ContentEncoding);
        }
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }

    private void BuildFormBody(FuzzRequest request, Random random)
    {
        var properties = request.Operation.BodySchema?["properties"]?.AsObject() ?? [];
        var pairs = new List<(string Name, string Value, bool Raw)>();
        foreach (var (name, schema) in properties)
        {
            if (request.Valid || random.NextDouble() < 0.75)
            {
                var value = ScalarFor(name, schema, schema?["description"]?.GetValue<string>(), random);
                var text = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value?.ToJsonString() ?? "";
                var clientId = pairs.FirstOrDefault(p => p.Name == "client_id").Value;
                if (name == "client_secret" && clientId is not null && memory.Values("secret_of:" + clientId) is { Count: > 0 } own && random.NextDouble() < 0.8)
                {
                    text = own[^1];
                }
                else if (name is "client_secret" or "api_key" && memory.Values("secret") is { Count: > 0 } secrets && random.NextDouble() < 0.8)
                {
                    text = name == "api_key" && random.NextDouble() < 0.5 ? credentials.AdminKey : Pick(random, secrets);
                }

                pairs.Add((name, text, false));
            }
            else
            {
                request.Mutations.Add("missing " + name);
            }
        }

        if (!request.Valid && pairs.Count > 0)
        {
            var (name, _, _) = Pick(random, pairs);
            switch (random.Next(5))
            {
                case 0:
                    pairs.Add((name, "again", false));
                    request.Mutations.Add("repeated " + name);
                    break;
                case 1:
                    pairs.Add((name, Pick(random, BadQueryValues), false));
                    request.Mutations.Add("bad value for " + name);
                    break;
                case 2:
                    pairs.Add((name, Pick(random, ["%FF%FE", "%ZZ", "%", "%00"]), true));
                    request.Mutations.Add("raw form bytes");
                    break;
                case 3:
                    pairs.Add(("unexpected", "x", false));
                    request.Mutations.Add("extra form field");
                    break;
                default:
                    pairs.Add((name, new string('v', 100_000), false));
                    request.Mutations.Add("100 kB form value");
                    break;
            }
        }

        request.Body = Encoding.UTF8.GetBytes(string.Join("&", pairs.Select(p => p.Raw ? p.Name + "=" + p.Value : Uri.EscapeDataString(p.Name) + "=" + Uri.EscapeDataString(p.Value))));
        request.ContentType = "application/x-www-form-urlencoded";
        if (!request.Valid && random.NextDouble() < 0.2)
        {
            MutateTransport(request, random);
        }
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private static string Cursor(string sort, string value, string id) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(new[] { sort, value, id })))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
