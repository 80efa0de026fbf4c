using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Pulse.LoadGen.Engine;

namespace Pulse.LoadGen.Scenarios;

/// <summary>
/// The rows a run created and has not yet deleted, so that it can delete them when it stops early.
/// Every row's name (products) or title (tasks) starts with <see cref="Prefix"/>, unique to the run: when a
/// create's answer was lost (timeout, broken connection, Ctrl+C) the row may exist with an id nobody saw,
/// and the cleanup then finds it by that prefix.
/// </summary>
internal sealed class CrudRows(string runId)
{
    public string Prefix { get; } = $"loadgen-{runId}-";

    public ConcurrentDictionary<long, byte> Products { get; } = new();

    public ConcurrentDictionary<long, byte> Tasks { get; } = new();

    private int _lostProductCreates;
    private int _lostTaskCreates;

    public bool LostProductCreates => Volatile.Read(ref _lostProductCreates) > 0;

    public bool LostTaskCreates => Volatile.Read(ref _lostTaskCreates) > 0;

    public void NoteLostCreate(bool product) => Interlocked.Increment(ref product ? ref _lostProductCreates : ref _lostTaskCreates);
}

/// <summary>
/// The endpoints of one CRUD resource (products or tasks) as the contract defines them: create
/// (<c>POST /x</c>, 201, <c>Location</c>, <c>ETag</c>), read (<c>GET /x/{id}</c>, 200, <c>ETag</c>),
/// list (<c>GET /x?limit=</c>, 200, <c>{ items, next }</c>), update (<c>PUT /x/{id}</c> with
/// <c>If-Match</c>, 200, new <c>ETag</c>), delete (<c>DELETE /x/{id}</c>, 204).
/// </summary>
internal sealed class CrudResource
{
    public CrudResource(Scenario scenario, bool product)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        IsProduct = product;
        Collection = product ? "products" : "tasks";
        var collectionRoute = product ? Routes.Products : Routes.Tasks;
        var itemRoute = product ? Routes.Product : Routes.Task;
        Create = scenario.Declare(HttpMethod.Post.Method, collectionRoute);
        Read = scenario.Declare(HttpMethod.Get.Method, itemRoute);
        List = scenario.Declare(HttpMethod.Get.Method, collectionRoute);
        Update = scenario.Declare(HttpMethod.Put.Method, itemRoute);
        Delete = scenario.Declare(HttpMethod.Delete.Method, itemRoute);
        Target = scenario.Target;
    }

    public bool IsProduct { get; }

    /// <summary>Path segment of the collection: <c>products</c> or <c>tasks</c>.</summary>
    public string Collection { get; }

    /// <summary>Property that carries the run's prefix: <c>name</c> or <c>title</c>.</summary>
    public string LabelProperty => IsProduct ? "name" : "title";

    public Uri Target { get; }

    public int Create { get; }

    public int Read { get; }

    public int List { get; }

    public int Update { get; }

    public int Delete { get; }

    public Uri ItemUri(long id) => new(Target, string.Create(CultureInfo.InvariantCulture, $"{Collection}/{id}"));

    public Uri CollectionUri(string query) => new(Target, Collection + query);
}

/// <summary>
/// Create, read, list, update (with <c>If-Match</c> from the read's <c>ETag</c>) and delete one row,
/// checking each answer's status, headers and body. Whatever happens, a row it created is deleted: when
/// a step fails or the run is stopping it skips straight to the delete.
/// </summary>
internal sealed class CrudFlow(CrudResource resource, CrudRows rows) : Flow(5)
{
    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json");

    private static readonly string DueDate = DateTime.UtcNow.Date.AddDays(30).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public override async Task RunAsync(FlowContext context, long sequence, long intendedStart)
    {
        ArgumentNullException.ThrowIfNull(context);
        var label = string.Create(CultureInfo.InvariantCulture, $"{rows.Prefix}{(resource.IsProduct ? 'p' : 't')}{sequence}");

        var create = await StepAsync(
            context, resource.Create, Request(HttpMethod.Post, resource.CollectionUri(string.Empty), Body(label, updated: false)), intendedStart, 201,
            (x, body) => CheckRow(body, label, updated: false) ?? CheckCreatedHeaders(x, body));
        if (!create.Exchange.IsResponse)
        {
            // The row may exist even though its id never reached us: the cleanup looks for it by name.
            rows.NoteLostCreate(resource.IsProduct);
            return;
        }

        if (!(create.Exchange.StatusCode is >= 200 and < 300 && create.Body is { } created && TryGetId(created, out var id)))
        {
            return;
        }

        var registry = resource.IsProduct ? rows.Products : rows.Tasks;
        registry[id] = 0;
        var ok = create.Ok;
        var etag = create.Exchange.ETag;

        if (ok && !context.Control.IsStopping)
        {
            var read = await StepAsync(
                context, resource.Read, Request(HttpMethod.Get, resource.ItemUri(id)), Stopwatch.GetTimestamp(), 200,
                (x, body) => CheckId(body, id) ?? CheckRow(body, label, updated: false) ?? (x.ETag is null ? "no ETag header" : null));
            ok = read.Ok;
            etag = read.Exchange.ETag ?? etag;
        }

        if (ok && !context.Control.IsStopping)
        {
            var query = resource.IsProduct ? "?limit=5" : "?status=todo&limit=5";
            var list = await StepAsync(
                context, resource.List, Request(HttpMethod.Get, resource.CollectionUri(query)), Stopwatch.GetTimestamp(), 200, CheckList);
            ok = list.Ok;
        }

        if (ok && !context.Control.IsStopping)
        {
            var update = Request(HttpMethod.Put, resource.ItemUri(id), Body(label, updated: true));
            if (etag is not null)
            {
                update.Headers.TryAddWithoutValidation("If-Match", etag);
            }

            var previousEtag = etag;
            await StepAsync(
                context, resource.Update, update, Stopwatch.GetTimestamp(), 200,
                (x, body) => CheckId(body, id) ?? CheckRow(body, label, updated: true)
                    ?? (x.ETag is null ? "no ETag header" : x.ETag == previousEtag ? "ETag did not change after the update" : null));
        }

        await DeleteAsync(context, resource, registry, id, expectAbsent: false);
    }

    /// <summary>Deletes one row and forgets it when it is gone (204, or 404 when <paramref name="expectAbsent"/>).</summary>
    public static async Task DeleteAsync(FlowContext context, CrudResource resource, ConcurrentDictionary<long, byte> registry, long id, bool expectAbsent)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(registry);
        var delete = await StepAsync(
            context, resource.Delete, Request(HttpMethod.Delete, resource.ItemUri(id)), Stopwatch.GetTimestamp(), 204,
            (_, _) => null, alsoExpected: expectAbsent ? 404 : null);
        if (delete.Exchange.StatusCode is 204 or 404)
        {
            registry.TryRemove(id, out _);
        }
    }

    /// <summary>Sends one request, judges the answer and records it. <paramref name="check"/> returns what is wrong, or null.</summary>
    public static async Task<StepResult> StepAsync(
        FlowContext context, int endpoint, HttpRequestMessage request, long intended, int expectedStatus,
        Func<Exchange, JsonElement, string?> check, int? alsoExpected = null)
    {
        var (exchange, latency) = await context.Driver.ExchangeAsync(request, intended);
        JsonElement? body = null;
        string? failure = null;
        if (exchange.IsResponse)
        {
            if (exchange.Body is { Length: > 0 } bytes)
            {
                try
                {
                    using var document = JsonDocument.Parse(bytes);
                    body = document.RootElement.Clone();
                }
                catch (JsonException)
                {
                    // Judged below: an expected answer with a body must be JSON.
                }
            }

            if (exchange.StatusCode != expectedStatus && exchange.StatusCode != alsoExpected)
            {
                failure = string.Create(CultureInfo.InvariantCulture, $"expected {expectedStatus}, got {exchange.StatusCode}");
            }
            else if (expectedStatus != 204 && exchange.StatusCode == expectedStatus)
            {
                failure = body is { } json ? Check(check, exchange, json) : "the body is not JSON";
            }
        }

        context.Driver.Record(endpoint, exchange, latency, failure is null, failure);
        return new StepResult(exchange.IsResponse && failure is null, exchange, body);
    }

    /// <summary>Runs a body check; a field of the wrong JSON type (say a number where a string belongs) is a failure too.</summary>
    private static string? Check(Func<Exchange, JsonElement, string?> check, Exchange exchange, JsonElement json)
    {
        try
        {
            return check(exchange, json);
        }
        catch (Exception ex) when (ex is InvalidOperationException or KeyNotFoundException or FormatException)
        {
            return "a field is missing or of the wrong JSON type";
        }
    }

    private static HttpRequestMessage Request(HttpMethod method, Uri uri, byte[]? json = null)
    {
        var request = new HttpRequestMessage(method, uri);
        if (json is not null)
        {
            request.Content = new ByteArrayContent(json) { Headers = { ContentType = JsonMediaType } };
        }

        return request;
    }

    private byte[] Body(string label, bool updated)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (resource.IsProduct)
            {
                writer.WriteString("name", label);
                writer.WriteNumber("price", updated ? UpdatedPrice : CreatedPrice);
                writer.WriteNumber("amount", updated ? UpdatedAmount : CreatedAmount);
            }
            else
            {
                writer.WriteString("title", label);
                writer.WriteString("description", "Created by the Pulse load generator; deleted by it too.");
                writer.WriteString("status", updated ? "done" : "todo");
                writer.WriteString("dueDate", DueDate);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private const decimal CreatedPrice = 12.34m;
    private const decimal UpdatedPrice = 23.45m;
    private const int CreatedAmount = 5;
    private const int UpdatedAmount = 6;

    private string? CheckRow(JsonElement body, string label, bool updated)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            return "the body is not a JSON object";
        }

        if (!TryGetId(body, out _))
        {
            return "the body has no numeric id";
        }

        if (!body.TryGetProperty(resource.LabelProperty, out var name) || name.ValueKind != JsonValueKind.String || name.GetString() != label)
        {
            return $"the body's {resource.LabelProperty} is not the one sent";
        }

        if (resource.IsProduct)
        {
            var price = updated ? UpdatedPrice : CreatedPrice;
            var amount = updated ? UpdatedAmount : CreatedAmount;
            if (!body.TryGetProperty("price", out var p) || p.ValueKind != JsonValueKind.Number || p.GetDecimal() != price)
            {
                return "the body's price is not the one sent";
            }

            if (!body.TryGetProperty("amount", out var a) || a.ValueKind != JsonValueKind.Number || !a.TryGetInt32(out var n) || n != amount)
            {
                return "the body's amount is not the one sent";
            }
        }
        else
        {
            var status = updated ? "done" : "todo";
            if (!body.TryGetProperty("status", out var s) || s.GetString() != status)
            {
                return "the body's status is not the one sent";
            }

            if (!body.TryGetProperty("dueDate", out var d) || d.GetString() != DueDate)
            {
                return "the body's dueDate is not the one sent";
            }
        }

        return null;
    }

    private string? CheckCreatedHeaders(Exchange exchange, JsonElement body)
    {
        if (exchange.ETag is null)
        {
            return "no ETag header";
        }

        _ = TryGetId(body, out var id);
        var expected = string.Create(CultureInfo.InvariantCulture, $"/{resource.Collection}/{id}");
        return exchange.Location is { } location && location.AbsolutePath.EndsWith(expected, StringComparison.Ordinal)
            ? null
            : $"the Location header is not {expected}";
    }

    private static string? CheckId(JsonElement body, long id) =>
        body.ValueKind == JsonValueKind.Object && TryGetId(body, out var actual) && actual == id ? null : "the body's id is not the one asked for";

    private string? CheckList(Exchange exchange, JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("items", out var items) || items.ValueKind != JsonValueKind.Array)
        {
            return "the body has no items array";
        }

        if (!body.TryGetProperty("next", out var next) || next.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
        {
            return "the body has no next link (string or null)";
        }

        if (!resource.IsProduct)
        {
            foreach (var item in items.EnumerateArray())
            {
                if (!item.TryGetProperty("status", out var status) || status.GetString() != "todo")
                {
                    return "?status=todo listed a task whose status is not todo";
                }
            }
        }

        return null;
    }

    public static bool TryGetId(JsonElement body, out long id)
    {
        id = 0;
        return body.ValueKind == JsonValueKind.Object
            && body.TryGetProperty("id", out var value)
            && value.ValueKind == JsonValueKind.Number
            && value.TryGetInt64(out id);
    }
}

/// <summary>How one flow step went.</summary>
internal readonly record struct StepResult(bool Ok, Exchange Exchange, JsonElement? Body);
