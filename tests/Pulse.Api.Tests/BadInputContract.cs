using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Pulse.Api.Tests.Infrastructure;

namespace Pulse.Api.Tests;

/// <summary>
/// Adversarial requests: every one must be answered with a 4xx problem+json (never a 5xx), and nothing of
/// it may reach the database. Hostile but valid text must be stored verbatim. Run once per database.
/// </summary>
public abstract class BadInputContract(ApiFixture api)
{
    private const string Product = """{"name":"Valid","price":1,"amount":1}""";

    private static readonly Dictionary<string, BadRequest> Requests = new BadRequest[]
    {
        // Wrong types and nulls.
        new("name is a number", "POST", "/products", """{"name":123,"price":1,"amount":1}"""),
        new("price is a string", "POST", "/products", """{"name":"x","price":"1.00","amount":1}"""),
        new("amount is a boolean", "POST", "/products", """{"name":"x","price":1,"amount":true}"""),
        new("id is a string", "POST", "/products", """{"id":"7","name":"x","price":1,"amount":1}"""),
        new("name is an object", "POST", "/products", """{"name":{"first":"x"},"price":1,"amount":1}"""),
        new("body is a string", "POST", "/products", "\"a product\""),
        new("body is a number", "POST", "/products", "42"),
        new("body is null", "POST", "/products", "null"),
        new("name is null", "POST", "/products", """{"name":null,"price":1,"amount":1}"""),
        new("price is null", "POST", "/products", """{"name":"x","price":null,"amount":1}"""),
        new("every field missing", "POST", "/products", "{}"),

        // Numbers out of range, too precise or too large for any type.
        new("negative price", "POST", "/products", """{"name":"x","price":-0.01,"amount":1}"""),
        new("price with three decimals", "POST", "/products", """{"name":"x","price":1.001,"amount":1}"""),
        new("price above numeric(12,2)", "POST", "/products", """{"name":"x","price":10000000000,"amount":1}"""),
        new("price overflowing decimal", "POST", "/products", """{"name":"x","price":1e400,"amount":1}"""),
        new("price below a cent", "POST", "/products", """{"name":"x","price":1e-30,"amount":1}"""),
        new("price of 400 digits", "POST", "/products", $$"""{"name":"x","price":1{{new string('0', 400)}},"amount":1}"""),
        new("negative amount", "POST", "/products", """{"name":"x","price":1,"amount":-1}"""),
        new("fractional amount", "POST", "/products", """{"name":"x","price":1,"amount":1.5}"""),
        new("amount overflowing int", "POST", "/products", """{"name":"x","price":1,"amount":2147483648}"""),
        new("id zero", "POST", "/products", """{"id":0,"name":"x","price":1,"amount":1}"""),
        new("negative id", "POST", "/products", """{"id":-5,"name":"x","price":1,"amount":1}"""),
        new("id beyond 2^53 - 1", "POST", "/products", """{"id":9007199254740992,"name":"x","price":1,"amount":1}"""),
        new("id overflowing long", "POST", "/products", """{"id":99999999999999999999999,"name":"x","price":1,"amount":1}"""),
        new("fractional id", "POST", "/products", """{"id":1.5,"name":"x","price":1,"amount":1}"""),

        // Text: empty, long, control characters, broken Unicode.
        new("empty name", "POST", "/products", """{"name":"","price":1,"amount":1}"""),
        new("blank name", "POST", "/products", """{"name":"  \u00a0 ","price":1,"amount":1}"""),
        new("name of 201 characters", "POST", "/products", $$"""{"name":"{{new string('n', 201)}}","price":1,"amount":1}"""),
        new("name of 201 emoji", "POST", "/products", $$"""{"name":"{{string.Concat(Enumerable.Repeat("🚀", 201))}}","price":1,"amount":1}"""),
        new("name of 500000 characters", "POST", "/products", $$"""{"name":"{{new string('n', 500_000)}}","price":1,"amount":1}"""),
        new("NUL in name", "POST", "/products", """{"name":"nul\u0000byte","price":1,"amount":1}"""),
        new("line break in name", "POST", "/products", """{"name":"two\nlines","price":1,"amount":1}"""),
        new("escape character in name", "POST", "/products", """{"name":"\u001b[31mred","price":1,"amount":1}"""),
        new("C1 control in name", "POST", "/products", """{"name":"next\u0085line","price":1,"amount":1}"""),
        new("lone surrogate in name", "POST", "/products", """{"name":"half \ud800 a pair","price":1,"amount":1}"""),
        new("invalid UTF-8 in body", "POST", "/products", RawBody: [.. "{\"name\":\""u8, 0xFF, 0xFE, 0xC3, .. "\",\"price\":1,\"amount\":1}"u8]),

        // Shapes: unknown and duplicate fields, batches, syntax.
        new("unknown field", "POST", "/products", """{"name":"x","prize":1,"amount":1}"""),
        new("field name in the wrong case", "POST", "/products", """{"Name":"x","price":1,"amount":1}"""),
        new("duplicate property", "POST", "/products", """{"name":"x","name":"y","price":1,"amount":1}"""),
        new("batch of 1001", "POST", "/products", "[" + string.Join(',', Enumerable.Repeat(Product, 1001)) + "]"),
        new("empty batch", "POST", "/products", "[]"),
        new("batch holding null", "POST", "/products", $"[{Product},null]"),
        new("batch with one bad item", "POST", "/products", $$"""[{{Product}},{{Product}},{"name":"x","price":-1,"amount":1}]"""),
        new("batch repeating an id", "POST", "/products", """[{"id":77,"name":"a","price":1,"amount":1},{"id":77,"name":"b","price":1,"amount":1}]"""),
        new("nested batch", "POST", "/products", $"[[{Product}]]"),
        new("nesting 500 deep", "POST", "/products", new string('[', 500) + new string(']', 500)),
        new("truncated JSON", "POST", "/products", """{"name":"x","price":"""),
        new("trailing comma", "POST", "/products", """{"name":"x","price":1,"amount":1,}"""),
        new("comment in JSON", "POST", "/products", """{"name":"x", /* hi */ "price":1,"amount":1}"""),
        new("NaN price", "POST", "/products", """{"name":"x","price":NaN,"amount":1}"""),
        new("single-quoted JSON", "POST", "/products", "{'name':'x','price':1,'amount':1}"),
        new("empty body", "POST", "/products", ""),

        // Media types and size.
        new("text/plain body", "POST", "/products", Product, ContentType: "text/plain", Expected: HttpStatusCode.UnsupportedMediaType),
        new("no content type", "POST", "/products", Product, ContentType: null, Expected: HttpStatusCode.UnsupportedMediaType),
        new("form body", "POST", "/products", "name=x&price=1&amount=1", ContentType: "application/x-www-form-urlencoded", Expected: HttpStatusCode.UnsupportedMediaType),
        new("JSON in Latin-1", "POST", "/products", Product, ContentType: "application/json; charset=iso-8859-1", Expected: HttpStatusCode.UnsupportedMediaType),
        new("body over 1 MB", "POST", "/products", $$"""{"name":"{{new string('n', 1_100_000)}}","price":1,"amount":1}""", Expected: HttpStatusCode.RequestEntityTooLarge),

        // Route, query and header values.
        new("id that is not a number", "GET", "/products/abc"),
        new("id overflowing long in the URL", "GET", "/products/99999999999999999999"),
        new("limit that is not a number", "GET", "/products?limit=ten"),
        new("limit zero", "GET", "/products?limit=0"),
        new("negative limit", "GET", "/products?limit=-1"),
        new("limit above 500", "GET", "/products?limit=501"),
        new("limit overflowing int", "GET", "/products?limit=99999999999"),
        new("garbage cursor", "GET", "/products?cursor=%27%3B--"),
        new("base64 cursor this service never issued", "GET", "/products?cursor=aGVsbG8"),
        new("PUT with another id in the body", "PUT", "/products/{product}", """{"id":1,"name":"x","price":1,"amount":1}"""),
        new("PUT with an unquoted If-Match", "PUT", "/products/{product}", Product, IfMatch: "1"),
        new("PUT with an array", "PUT", "/products/{product}", $"[{Product}]"),
        new("PUT with an invalid price", "PUT", "/products/{product}", """{"name":"x","price":-5,"amount":1}"""),
        new("PUT with a stale If-Match", "PUT", "/products/{product}", Product, IfMatch: "\"999\"", Expected: HttpStatusCode.PreconditionFailed),
        new("PUT to an id that is not a number", "PUT", "/products/1.5", Product),
        new("PUT to an id that does not exist", "PUT", $"/products/{long.MaxValue}", Product, Expected: HttpStatusCode.NotFound),
        new("DELETE of an id that is not a number", "DELETE", "/products/x"),
        new("DELETE with a malformed If-Match", "DELETE", "/products/{product}", null, IfMatch: "\"unterminated"),
        new("PATCH, which is not supported", "PATCH", "/products/{product}", Product, Expected: HttpStatusCode.MethodNotAllowed),

        // Tasks.
        new("task status in capitals", "POST", "/tasks", """{"title":"x","status":"DONE"}"""),
        new("unknown task status", "POST", "/tasks", """{"title":"x","status":"finished"}"""),
        new("task status is a number", "POST", "/tasks", """{"title":"x","status":2}"""),
        new("impossible due date", "POST", "/tasks", """{"title":"x","dueDate":"2025-02-30"}"""),
        new("due date with a time", "POST", "/tasks", """{"title":"x","dueDate":"2025-01-01T00:00:00Z"}"""),
        new("due date in another format", "POST", "/tasks", """{"title":"x","dueDate":"01/02/2025"}"""),
        new("description of 2001 characters", "POST", "/tasks", $$"""{"title":"x","description":"{{new string('d', 2001)}}"}"""),
        new("bell character in description", "POST", "/tasks", """{"title":"x","description":"ding\u0007"}"""),
        new("task without a title", "POST", "/tasks", """{"description":"no title"}"""),
        new("task batch of 1001", "POST", "/tasks", "[" + string.Join(',', Enumerable.Repeat("""{"title":"x"}""", 1001)) + "]"),
        new("PUT of a task with an unknown field", "PUT", "/tasks/{task}", """{"title":"x","priority":"high"}"""),
        new("unknown status filter", "GET", "/tasks?status=bogus"),
    }.ToDictionary(r => r.Name);

    private string? _productUrl;
    private string? _taskUrl;

    protected ApiFixture Api { get; } = api;

    protected HttpClient Client => Api.Client;

    public static TheoryData<string> Names => [.. Requests.Keys];

    [DatabaseTheory]
    [MemberData(nameof(Names))]
    public async Task BadInputIsAClientErrorProblemAndReachesNothing(string name)
    {
        var bad = Requests[name];
        var (productUrl, taskUrl) = await TargetsAsync();
        var before = await Api.CountRowsAsync();
        using var request = bad.ToRequest(productUrl, taskUrl);

        using var response = await Client.SendAsync(request);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode is >= 400 and < 500, $"{name}: {(int)response.StatusCode} {text}");
        var problem = await response.AssertProblemAsync(bad.Expected);
        Assert.True(
            problem.TryGetProperty("errors", out _) || !string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()),
            $"{name}: the problem does not say what was wrong: {text}");
        Assert.Equal(before, await Api.CountRowsAsync());
        await AssertUnchangedAsync(productUrl);
        await AssertUnchangedAsync(taskUrl);
    }

    [DatabaseTheory]
    [InlineData("Robert'); DROP TABLE products;--")]
    [InlineData("' OR '1'='1")]
    [InlineData("1; DELETE FROM tasks WHERE 1=1; SELECT pg_sleep(10)")]
    [InlineData("100% of _all_ \\ backslashes")]
    [InlineData("$1 $$ :name @p0 {0} ? %s")]
    [InlineData("\"double\" 'single' `back`")]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("Zoë 日本語 עברית العربية 🚀 e\u0301")]
    [InlineData("\u202Eright-to-left override\u2028line separator\u200Bzero width")]
    [InlineData("🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀")]
    public async Task HostileButValidTextIsStoredVerbatim(string text)
    {
        var json = System.Text.Json.JsonSerializer.Serialize(new { name = text, price = 1, amount = 1 });

        using var created = await Client.PostJsonAsync("/products", json);

        await created.AssertStatusAsync(HttpStatusCode.Created);
        using var read = await Client.GetAsync(created.Headers.Location);
        Assert.Equal(text, (await read.BodyAsync()).GetProperty("name").GetString());
        var id = (await read.BodyAsync()).GetProperty("id").GetInt64();
        Assert.Equal(text, await Api.QueryAsync(db => db.Products.Where(p => p.Id == id).Select(p => p.Name).SingleAsync()));

        var task = System.Text.Json.JsonSerializer.Serialize(new { title = text, description = $"{text}\n{text}" });
        using var createdTask = await Client.PostJsonAsync("/tasks", task);
        await createdTask.AssertStatusAsync(HttpStatusCode.Created);
        using var readTask = await Client.GetAsync(createdTask.Headers.Location);
        Assert.Equal($"{text}\n{text}", (await readTask.BodyAsync()).GetProperty("description").GetString());
    }

    /// <summary>A product and a task for the PUT and DELETE cases to aim at, created once per class.</summary>
    private async Task<(string Product, string Task)> TargetsAsync()
    {
        if (_productUrl is null || _taskUrl is null)
        {
            using var product = await Client.PostJsonAsync("/products", """{"name":"Target","price":1,"amount":1}""");
            await product.AssertStatusAsync(HttpStatusCode.Created);
            using var task = await Client.PostJsonAsync("/tasks", """{"title":"Target"}""");
            await task.AssertStatusAsync(HttpStatusCode.Created);
            (_productUrl, _taskUrl) = (product.Headers.Location!.OriginalString, task.Headers.Location!.OriginalString);
        }

        return (_productUrl, _taskUrl);
    }

    private async Task AssertUnchangedAsync(string url)
    {
        using var response = await Client.GetAsync(url);
        await response.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal("\"1\"", response.ETag());
    }

    /// <summary>One adversarial request; the URL may aim at the class's product or task. <paramref name="RawBody"/> overrides <paramref name="Body"/>.</summary>
    private sealed record BadRequest(
        string Name,
        string Method,
        string Url,
        string? Body = null,
        string? ContentType = "application/json",
        string? IfMatch = null,
        HttpStatusCode Expected = HttpStatusCode.BadRequest,
        byte[]? RawBody = null)
    {
        public HttpRequestMessage ToRequest(string productUrl, string taskUrl)
        {
            var url = Url.Replace("/products/{product}", productUrl, StringComparison.Ordinal).Replace("/tasks/{task}", taskUrl, StringComparison.Ordinal);
            var request = new HttpRequestMessage(new HttpMethod(Method), url);
            if ((RawBody ?? (Body is null ? null : Encoding.UTF8.GetBytes(Body))) is { } body)
            {
                request.Content = new ByteArrayContent(body);
                if (ContentType is not null)
                {
                    request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(ContentType);
                }
            }

            if (IfMatch is not null)
            {
                request.Headers.TryAddWithoutValidation("If-Match", IfMatch);
            }

            return request;
        }
    }
}

public sealed class SqliteBadInputTests(SqliteApi api) : BadInputContract(api), IClassFixture<SqliteApi>;

[Postgres]
public sealed class PostgresBadInputTests(PostgresApi api) : BadInputContract(api), IClassFixture<PostgresApi>;
