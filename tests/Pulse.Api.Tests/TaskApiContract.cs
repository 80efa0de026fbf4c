using System.Net;
using System.Text.Json;
using Pulse.Api.Tests.Infrastructure;

namespace Pulse.Api.Tests;

/// <summary>The task endpoints as docs/api.md describes them, run once per database by the subclasses below.</summary>
public abstract class TaskApiContract(ApiFixture api)
{
    // See ProductApiContract: chosen ids count down from far above anything generated.
    private static long s_nextChosenId = 1_000_000_000_000_000;

    protected ApiFixture Api { get; } = api;

    protected HttpClient Client => Api.Client;

    [DatabaseFact]
    public async Task PostingATaskWithOnlyATitleMakesItTodoWithNoDescriptionOrDueDate()
    {
        using var response = await Client.PostJsonAsync("/tasks", """{"title":"Write the report"}""");

        await response.AssertStatusAsync(HttpStatusCode.Created);
        var task = await response.BodyAsync();
        var id = task.GetProperty("id").GetInt64();
        Assert.Equal($"/tasks/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("\"1\"", response.ETag());
        Assert.Equal("Write the report", task.GetProperty("title").GetString());
        Assert.Equal(JsonValueKind.Null, task.GetProperty("description").ValueKind);
        Assert.Equal("todo", task.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, task.GetProperty("dueDate").ValueKind);
        using var read = await Client.GetAsync($"/tasks/{id}");
        Assert.Equal(task.ToString(), (await read.BodyAsync()).ToString());
    }

    [DatabaseFact]
    public async Task EveryFieldOfATaskIsStoredAsSent()
    {
        var id = Interlocked.Decrement(ref s_nextChosenId);
        using var response = await Client.PostJsonAsync("/tasks", $$"""
            {"id":{{id}},"title":"Ship ✓","description":"Line one\nLine two\tand a tab — ünïcödé","status":"in_progress","dueDate":"2024-02-29"}
            """);

        await response.AssertStatusAsync(HttpStatusCode.Created);
        using var read = await Client.GetAsync($"/tasks/{id}");
        var task = await read.BodyAsync();
        Assert.Equal(id, task.GetProperty("id").GetInt64());
        Assert.Equal("Ship ✓", task.GetProperty("title").GetString());
        Assert.Equal("Line one\nLine two\tand a tab — ünïcödé", task.GetProperty("description").GetString());
        Assert.Equal("in_progress", task.GetProperty("status").GetString());
        Assert.Equal("2024-02-29", task.GetProperty("dueDate").GetString());
    }

    [DatabaseFact]
    public async Task PostingAnArrayCreatesAllOrNothing()
    {
        var id = Interlocked.Decrement(ref s_nextChosenId);
        using var batch = await Client.PostJsonAsync("/tasks", $$"""[{"id":{{id}},"title":"One"},{"title":"Two","status":"done"}]""");
        await batch.AssertStatusAsync(HttpStatusCode.Created);
        Assert.Equal(["todo", "done"], (await batch.BodyAsync()).EnumerateArray().Select(t => t.GetProperty("status").GetString()));
        var before = await Api.CountRowsAsync();

        using var clash = await Client.PostJsonAsync("/tasks", $$"""[{"title":"Three"},{"id":{{id}},"title":"Clash"}]""");
        await clash.AssertProblemAsync(HttpStatusCode.Conflict);
        using var invalid = await Client.PostJsonAsync("/tasks", """[{"title":"Four"},{"title":"Five","status":"finished"}]""");
        await invalid.AssertInvalidFieldsAsync("[1].status");

        Assert.Equal(before, await Api.CountRowsAsync());
    }

    [DatabaseFact]
    public async Task ListingByStatusReturnsOnlyThatStatusOnEveryPage()
    {
        var tasks = string.Join(',', Enumerable.Range(0, 10).Select(i => $$"""{"title":"Filtered {{i}}","status":"{{(i % 2 == 0 ? "done" : "todo")}}"}"""));
        using var batch = await Client.PostJsonAsync("/tasks", $"[{tasks}]");
        var done = (await batch.BodyAsync()).EnumerateArray()
            .Where(t => t.GetProperty("status").GetString() == "done").Select(t => t.GetProperty("id").GetInt64()).ToList();

        var seen = new List<long>();
        var url = "/tasks?status=done&limit=2";
        for (var pages = 0; url is not null; pages++)
        {
            Assert.True(pages < 10_000, "The pages never end.");
            using var response = await Client.GetAsync(url);
            await response.AssertStatusAsync(HttpStatusCode.OK);
            var page = await response.BodyAsync();
            var items = page.GetProperty("items").EnumerateArray().ToList();
            Assert.All(items, t => Assert.Equal("done", t.GetProperty("status").GetString()));
            seen.AddRange(items.Select(t => t.GetProperty("id").GetInt64()));
            url = page.GetProperty("next").GetString();
            if (url is not null)
            {
                Assert.Contains("status=done", url, StringComparison.Ordinal);
                Assert.Equal($"<{url}>; rel=\"next\"", response.Link());
            }
        }

        Assert.Equal(seen.Order(), seen);
        Assert.All(done, id => Assert.Contains(id, seen));
    }

    [DatabaseTheory]
    [InlineData("/tasks?status=DONE")]
    [InlineData("/tasks?status=finished")]
    [InlineData("/tasks?status=")]
    public async Task AnUnknownStatusFilterIsAProblemNamingTheParameter(string url)
    {
        using var response = await Client.GetAsync(url);

        await response.AssertInvalidFieldsAsync("status");
    }

    [DatabaseFact]
    public async Task PuttingReplacesEveryFieldAndLeftOutOptionalsBecomeTheirDefaults()
    {
        using var created = await Client.PostJsonAsync("/tasks", """{"title":"Full","description":"Details","status":"done","dueDate":"2030-01-01"}""");
        var url = created.Headers.Location!.OriginalString;

        using var response = await Client.PutJsonAsync(url, """{"title":"Bare"}""", ifMatch: created.ETag());

        await response.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal("\"2\"", response.ETag());
        var task = await response.BodyAsync();
        Assert.Equal("Bare", task.GetProperty("title").GetString());
        Assert.Equal(JsonValueKind.Null, task.GetProperty("description").ValueKind);
        Assert.Equal("todo", task.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, task.GetProperty("dueDate").ValueKind);
    }

    [DatabaseFact]
    public async Task ConcurrentUpdatesWithTheSameETagLetExactlyOneWin()
    {
        using var created = await Client.PostJsonAsync("/tasks", """{"title":"Contended"}""");
        var url = created.Headers.Location!.OriginalString;

        var responses = await Task.WhenAll(Enumerable.Range(0, 2).Select(i =>
            Client.PutJsonAsync(url, $$"""{"title":"Writer {{i}}","status":"done"}""", ifMatch: created.ETag())));

        try
        {
            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.PreconditionFailed], responses.Select(r => r.StatusCode).OrderBy(s => (int)s));
            await responses.Single(r => r.StatusCode == HttpStatusCode.PreconditionFailed).AssertProblemAsync(HttpStatusCode.PreconditionFailed);
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    [DatabaseFact]
    public async Task GettingPuttingAndDeletingAnUnknownTaskAnswer404()
    {
        using var get = await Client.GetAsync($"/tasks/{long.MaxValue}");
        await get.AssertProblemAsync(HttpStatusCode.NotFound);
        using var put = await Client.PutJsonAsync($"/tasks/{long.MaxValue}", """{"title":"Ghost"}""");
        await put.AssertProblemAsync(HttpStatusCode.NotFound);
        using var delete = await Client.DeleteAsync($"/tasks/{long.MaxValue}");
        await delete.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [DatabaseFact]
    public async Task DeletingAnswers204AndAStaleETag412()
    {
        using var created = await Client.PostJsonAsync("/tasks", """{"title":"Doomed"}""");
        var url = created.Headers.Location!.OriginalString;
        using var edit = await Client.PutJsonAsync(url, """{"title":"Doomed, edited"}""");

        using var stale = await Client.DeleteAsync(url, ifMatch: created.ETag());
        await stale.AssertProblemAsync(HttpStatusCode.PreconditionFailed);
        using var deleted = await Client.DeleteAsync(url, ifMatch: edit.ETag());
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var read = await Client.GetAsync(url);
        await read.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [DatabaseFact]
    public async Task GettingWithTheCurrentETagInIfNoneMatchAnswers304()
    {
        using var created = await Client.PostJsonAsync("/tasks", """{"title":"Cached"}""");
        using var request = new HttpRequestMessage(HttpMethod.Get, created.Headers.Location);
        request.Headers.TryAddWithoutValidation("If-None-Match", $"W/\"9\", {created.ETag()}");

        using var response = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
    }
}

public sealed class SqliteTaskApiTests(SqliteApi api) : TaskApiContract(api), IClassFixture<SqliteApi>;

[Postgres]
public sealed class PostgresTaskApiTests(PostgresApi api) : TaskApiContract(api), IClassFixture<PostgresApi>;
