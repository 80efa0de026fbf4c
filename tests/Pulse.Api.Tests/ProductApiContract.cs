using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Pulse.Api.Tests.Infrastructure;
using Pulse.Testing;

namespace Pulse.Api.Tests;

/// <summary>The product endpoints as docs/api.md describes them, run once per database by the subclasses below.</summary>
public abstract class ProductApiContract(ApiFixture api)
{
    // Chosen ids count down from far above anything generated: the first one moves the identity past
    // itself, so generated ids never meet a chosen one, and every later chosen id is lower still.
    private static long s_nextChosenId = 1_000_000_000_000_000;

    protected ApiFixture Api { get; } = api;

    protected HttpClient Client => Api.Client;

    /// <summary>An id no other test of this run has chosen or will be generated.</summary>
    protected static long NewChosenId() => Interlocked.Decrement(ref s_nextChosenId);

    /// <summary>An id nothing ever gets: above the largest a client may choose, and far above what is generated.</summary>
    protected const long UnusedId = long.MaxValue;

    [DatabaseFact]
    public async Task PostingAProductAnswers201WithLocationETagAndTheStoredProduct()
    {
        using var response = await Client.PostJsonAsync("/products", """{"name":"Laptop","price":999.99,"amount":10}""");

        await response.AssertStatusAsync(HttpStatusCode.Created);
        var created = await response.BodyAsync();
        var id = created.GetProperty("id").GetInt64();
        Assert.True(id > 0);
        Assert.Equal($"/products/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("\"1\"", response.ETag());
        Assert.Equal("Laptop", created.GetProperty("name").GetString());
        Assert.Equal("999.99", created.GetProperty("price").GetRawText());
        Assert.Equal(10, created.GetProperty("amount").GetInt32());
        Assert.Equal(created.GetProperty("createdAt").GetString(), created.GetProperty("updatedAt").GetString());

        using var read = await Client.GetAsync(response.Headers.Location);
        await read.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal("\"1\"", read.ETag());
        Assert.Equal(created.ToString(), (await read.BodyAsync()).ToString());
    }

    [DatabaseFact]
    public async Task PostingAProductWithAnIdKeepsThatId()
    {
        var id = NewChosenId();

        using var response = await Client.PostJsonAsync("/products", $$"""{"id":{{id}},"name":"Chosen","price":1,"amount":0}""");

        await response.AssertStatusAsync(HttpStatusCode.Created);
        Assert.Equal(id, (await response.BodyAsync()).GetProperty("id").GetInt64());
        Assert.Equal($"/products/{id}", response.Headers.Location?.OriginalString);
        using var read = await Client.GetAsync($"/products/{id}");
        Assert.Equal("Chosen", (await read.BodyAsync()).GetProperty("name").GetString());
    }

    [DatabaseFact]
    public async Task PostingAnIdThatExistsAnswers409AndChangesNothing()
    {
        var id = NewChosenId();
        using var first = await Client.PostJsonAsync("/products", $$"""{"id":{{id}},"name":"Original","price":1,"amount":1}""");
        await first.AssertStatusAsync(HttpStatusCode.Created);

        using var second = await Client.PostJsonAsync("/products", $$"""{"id":{{id}},"name":"Impostor","price":2,"amount":2}""");

        var problem = await second.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal([id], problem.GetProperty("ids").EnumerateArray().Select(e => e.GetInt64()));
        using var read = await Client.GetAsync($"/products/{id}");
        Assert.Equal("Original", (await read.BodyAsync()).GetProperty("name").GetString());
    }

    [DatabaseFact]
    public async Task GeneratedIdsNeverRunIntoIdsClientsChose()
    {
        // A chosen id just above the highest generated one: the identity must step over it.
        using var probe = await Client.PostJsonAsync("/products", """{"name":"Probe","price":1,"amount":1}""");
        var next = (await probe.BodyAsync()).GetProperty("id").GetInt64() + 1;
        using var chosen = await Client.PostJsonAsync("/products", $$"""[{"id":{{next}},"name":"Chosen","price":1,"amount":1},{"id":{{next + 2}},"name":"Chosen","price":1,"amount":1}]""");
        await chosen.AssertStatusAsync(HttpStatusCode.Created);

        var generated = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await Client.PostJsonAsync("/products", """{"name":"Generated","price":1,"amount":1}""");
            await response.AssertStatusAsync(HttpStatusCode.Created);
            generated.Add((await response.BodyAsync()).GetProperty("id").GetInt64());
        }

        Assert.Equal(4, generated.Distinct().Count());
        Assert.DoesNotContain(next, generated);
        Assert.DoesNotContain(next + 2, generated);
    }

    [DatabaseFact]
    public async Task ABatchMixingChosenAndGeneratedIdsDoesNotCollideWithItself()
    {
        // The batch chooses the next ids the identity would generate, and leaves one to it.
        using var probe = await Client.PostJsonAsync("/products", """{"name":"Probe","price":1,"amount":1}""");
        var next = (await probe.BodyAsync()).GetProperty("id").GetInt64() + 1;
        using var response = await Client.PostJsonAsync("/products", $$"""
            [{"id":{{next}},"name":"Chosen","price":1,"amount":1},{"id":{{next + 1}},"name":"Chosen","price":1,"amount":1},
             {"id":{{next + 2}},"name":"Chosen","price":1,"amount":1},{"name":"Generated","price":1,"amount":1}]
            """);

        await response.AssertStatusAsync(HttpStatusCode.Created);
        var ids = (await response.BodyAsync()).EnumerateArray().Select(p => p.GetProperty("id").GetInt64()).ToList();
        Assert.Equal([next, next + 1, next + 2], ids.Take(3));
        Assert.True(ids[3] > next + 2, $"generated id {ids[3]} should follow the chosen ones");
    }

    [DatabaseFact]
    public async Task PostingAnArrayCreatesEveryProductAndAnswersWithThemInOrder()
    {
        using var response = await Client.PostJsonAsync("/products", """
            [{"name":"Batch A","price":1.5,"amount":1},{"name":"Batch B","price":2,"amount":2},{"name":"Batch C","price":0,"amount":0}]
            """);

        await response.AssertStatusAsync(HttpStatusCode.Created);
        Assert.Null(response.Headers.Location);
        var created = (await response.BodyAsync()).EnumerateArray().ToList();
        Assert.Equal(["Batch A", "Batch B", "Batch C"], created.Select(p => p.GetProperty("name").GetString()));
        Assert.Equal(["1.50", "2.00", "0.00"], created.Select(p => p.GetProperty("price").GetRawText()));
        foreach (var product in created)
        {
            using var read = await Client.GetAsync($"/products/{product.GetProperty("id").GetInt64()}");
            Assert.Equal(product.ToString(), (await read.BodyAsync()).ToString());
        }
    }

    [DatabaseFact]
    public async Task ABatchWithOneInvalidItemWritesNothingAndNamesTheFailingIndexes()
    {
        var before = await Api.CountRowsAsync();

        using var response = await Client.PostJsonAsync("/products", """
            [{"name":"Fine","price":1,"amount":1},{"name":"Fine too","price":2,"amount":2},{"name":"Bad","price":-1,"amount":1},{"name":"","price":1,"amount":1}]
            """);

        await response.AssertInvalidFieldsAsync("[2].price", "[3].name");
        Assert.Equal(before, await Api.CountRowsAsync());
    }

    [DatabaseFact]
    public async Task ABatchWithAnIdThatExistsWritesNothing()
    {
        var id = NewChosenId();
        using var existing = await Client.PostJsonAsync("/products", $$"""{"id":{{id}},"name":"Existing","price":1,"amount":1}""");
        await existing.AssertStatusAsync(HttpStatusCode.Created);
        var before = await Api.CountRowsAsync();

        using var response = await Client.PostJsonAsync("/products", $$"""
            [{"name":"New","price":1,"amount":1},{"id":{{id}},"name":"Clash","price":1,"amount":1},{"id":{{NewChosenId()}},"name":"New","price":1,"amount":1}]
            """);

        var problem = await response.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal([id], problem.GetProperty("ids").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(before, await Api.CountRowsAsync());
    }

    [DatabaseFact]
    public async Task ABatchOfExactlyOneThousandIsAccepted()
    {
        var items = string.Join(',', Enumerable.Range(0, 1000).Select(i => $$"""{"name":"Bulk {{i}}","price":{{i}}.25,"amount":{{i}}}"""));

        using var response = await Client.PostJsonAsync("/products", $"[{items}]");

        await response.AssertStatusAsync(HttpStatusCode.Created);
        var created = (await response.BodyAsync()).EnumerateArray().ToList();
        Assert.Equal(1000, created.Count);
        Assert.Equal(1000, created.Select(p => p.GetProperty("id").GetInt64()).Distinct().Count());
        Assert.Equal("999.25", created[999].GetProperty("price").GetRawText());
    }

    [DatabaseFact]
    public async Task AThousandBadItemsAreReportedUpToAHundredFieldsAndCountedBeyond()
    {
        var items = string.Join(',', Enumerable.Repeat("""{"name":"","price":-1,"amount":1}""", 1000));

        using var response = await Client.PostJsonAsync("/products", $"[{items}]");

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors").EnumerateObject().ToList();
        Assert.Equal(101, errors.Count);
        Assert.Equal(["[0].name", "[0].price"], errors.Take(2).Select(e => e.Name));
        Assert.Equal("1900 more errors in other fields are not listed.", errors.Single(e => e.Name == "$").Value[0].GetString());
    }

    [DatabaseFact]
    public async Task GettingAnUnknownIdAnswers404Problem()
    {
        using var response = await Client.GetAsync($"/products/{UnusedId}");

        var problem = await response.AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Contains(UnusedId.ToString(CultureInfo.InvariantCulture), problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [DatabaseFact]
    public async Task GettingWithTheCurrentETagInIfNoneMatchAnswers304()
    {
        var (url, etag) = await CreateAsync("Cached");
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("If-None-Match", etag);

        using var response = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Equal(etag, response.ETag());
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [DatabaseFact]
    public async Task ListingPagesThroughEveryProductOnceInIdOrder()
    {
        using var batch = await Client.PostJsonAsync("/products", "[" + string.Join(',', Enumerable.Range(0, 7).Select(i => $$"""{"name":"Paged {{i}}","price":1,"amount":1}""")) + "]");
        var mine = (await batch.BodyAsync()).EnumerateArray().Select(p => p.GetProperty("id").GetInt64()).ToList();

        var seen = new List<long>();
        var url = "/products?limit=3";
        for (var pages = 0; url is not null; pages++)
        {
            Assert.True(pages < 10_000, "The pages never end.");
            using var response = await Client.GetAsync(url);
            await response.AssertStatusAsync(HttpStatusCode.OK);
            var page = await response.BodyAsync();
            var items = page.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("id").GetInt64()).ToList();
            Assert.InRange(items.Count, 1, 3);
            seen.AddRange(items);
            url = page.GetProperty("next").GetString();
            Assert.Equal(url is null ? null : $"<{url}>; rel=\"next\"", response.Link());
            if (url is not null)
            {
                Assert.StartsWith("/products?limit=3&cursor=", url, StringComparison.Ordinal);
            }
        }

        Assert.Equal(seen.Order(), seen);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.All(mine, id => Assert.Contains(id, seen));
    }

    [DatabaseFact]
    public async Task ListingTakesFiftyByDefaultAndAtMostFiveHundred()
    {
        using var batch = await Client.PostJsonAsync("/products", "[" + string.Join(',', Enumerable.Range(0, 51).Select(i => $$"""{"name":"Default page {{i}}","price":1,"amount":1}""")) + "]");
        await batch.AssertStatusAsync(HttpStatusCode.Created);

        using var first = await Client.GetAsync("/products");
        var page = await first.BodyAsync();
        Assert.Equal(50, page.GetProperty("items").GetArrayLength());
        Assert.StartsWith("/products?limit=50&cursor=", page.GetProperty("next").GetString(), StringComparison.Ordinal);

        using var largest = await Client.GetAsync("/products?limit=500");
        await largest.AssertStatusAsync(HttpStatusCode.OK);
        using var tooLarge = await Client.GetAsync("/products?limit=501");
        await tooLarge.AssertInvalidFieldsAsync("limit");
    }

    [DatabaseFact]
    public async Task PuttingReplacesTheProductAndMovesItsETagOn()
    {
        var (url, _) = await CreateAsync("Before");
        using var original = await Client.GetAsync(url);
        var createdAt = (await original.BodyAsync()).GetProperty("createdAt").GetString();

        using var response = await Client.PutJsonAsync(url, """{"name":"After","price":1099.9,"amount":8}""");

        await response.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal("\"2\"", response.ETag());
        var updated = await response.BodyAsync();
        Assert.Equal("After", updated.GetProperty("name").GetString());
        Assert.Equal("1099.90", updated.GetProperty("price").GetRawText());
        Assert.Equal(8, updated.GetProperty("amount").GetInt32());
        Assert.Equal(createdAt, updated.GetProperty("createdAt").GetString());
        Assert.True(updated.GetProperty("updatedAt").GetDateTime() >= updated.GetProperty("createdAt").GetDateTime());
        using var read = await Client.GetAsync(url);
        Assert.Equal(updated.ToString(), (await read.BodyAsync()).ToString());
        Assert.Equal("\"2\"", read.ETag());
    }

    [DatabaseFact]
    public async Task PuttingWithAStaleETagAnswers412AndKeepsTheNewerVersion()
    {
        var (url, etag) = await CreateAsync("Shared");
        using var first = await Client.PutJsonAsync(url, """{"name":"First edit","price":1,"amount":1}""", ifMatch: etag);
        await first.AssertStatusAsync(HttpStatusCode.OK);

        using var stale = await Client.PutJsonAsync(url, """{"name":"Lost edit","price":1,"amount":1}""", ifMatch: etag);

        await stale.AssertProblemAsync(HttpStatusCode.PreconditionFailed);
        using var read = await Client.GetAsync(url);
        Assert.Equal("First edit", (await read.BodyAsync()).GetProperty("name").GetString());
        Assert.Equal(first.ETag(), read.ETag());
    }

    [DatabaseFact]
    public async Task IfMatchAcceptsAnyOfSeveralETagsAndStarButNeverAWeakOne()
    {
        var (url, _) = await CreateAsync("Conditional");

        using var weak = await Client.PutJsonAsync(url, """{"name":"Weak","price":1,"amount":1}""", ifMatch: "W/\"1\"");
        await weak.AssertProblemAsync(HttpStatusCode.PreconditionFailed);
        using var list = await Client.PutJsonAsync(url, """{"name":"Listed","price":1,"amount":1}""", ifMatch: "\"7\", \"1\"");
        await list.AssertStatusAsync(HttpStatusCode.OK);
        using var star = await Client.PutJsonAsync(url, """{"name":"Star","price":1,"amount":1}""", ifMatch: "*");
        await star.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal("\"3\"", star.ETag());
        using var starOnNothing = await Client.PutJsonAsync($"/products/{UnusedId}", """{"name":"Nothing","price":1,"amount":1}""", ifMatch: "*");
        await starOnNothing.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [DatabaseFact]
    public async Task PuttingABodyIdOtherThanTheUrlsAnswers400ButTheSameIdIsFine()
    {
        var (url, _) = await CreateAsync("Identity");
        var id = long.Parse(url.Split('/')[^1], CultureInfo.InvariantCulture);

        using var other = await Client.PutJsonAsync(url, $$"""{"id":{{id + 1}},"name":"Other","price":1,"amount":1}""");
        await other.AssertInvalidFieldsAsync("id");
        using var same = await Client.PutJsonAsync(url, $$"""{"id":{{id}},"name":"Same","price":1,"amount":1}""");
        await same.AssertStatusAsync(HttpStatusCode.OK);
    }

    [DatabaseFact]
    public async Task PuttingAnUnknownIdAnswers404AndCreatesNothing()
    {
        var id = NewChosenId();

        using var response = await Client.PutJsonAsync($"/products/{id}", """{"name":"Ghost","price":1,"amount":1}""");

        await response.AssertProblemAsync(HttpStatusCode.NotFound);
        using var read = await Client.GetAsync($"/products/{id}");
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
    }

    [DatabaseFact]
    public async Task ConcurrentUpdatesWithTheSameETagLetExactlyOneWin()
    {
        var (url, etag) = await CreateAsync("Contended");

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Client.PutJsonAsync(url, $$"""{"name":"Writer {{i}}","price":1,"amount":{{i}}}""", ifMatch: etag)));

        try
        {
            Assert.Equal(
                [HttpStatusCode.OK, .. Enumerable.Repeat(HttpStatusCode.PreconditionFailed, 7)],
                responses.Select(r => r.StatusCode).OrderBy(s => (int)s));
            var winner = await responses.Single(r => r.StatusCode == HttpStatusCode.OK).BodyAsync();
            using var read = await Client.GetAsync(url);
            Assert.Equal(winner.ToString(), (await read.BodyAsync()).ToString());
            Assert.Equal("\"2\"", read.ETag());
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
    public async Task DeletingAnswers204AndThenTheProductIsGone()
    {
        var (url, _) = await CreateAsync("Doomed");

        using var deleted = await Client.DeleteAsync(url);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var read = await Client.GetAsync(url);
        await read.AssertProblemAsync(HttpStatusCode.NotFound);
        using var again = await Client.DeleteAsync(url);
        await again.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [DatabaseFact]
    public async Task DeletingWithAStaleETagAnswers412AndKeepsTheProduct()
    {
        var (url, etag) = await CreateAsync("Kept");
        using var edit = await Client.PutJsonAsync(url, """{"name":"Kept, edited","price":1,"amount":1}""");

        using var stale = await Client.DeleteAsync(url, ifMatch: etag);
        await stale.AssertProblemAsync(HttpStatusCode.PreconditionFailed);
        using var current = await Client.DeleteAsync(url, ifMatch: edit.ETag());
        Assert.Equal(HttpStatusCode.NoContent, current.StatusCode);
    }

    [DatabaseTheory]
    [InlineData("0", "0.00")]
    [InlineData("0.1", "0.10")]
    [InlineData("0.10", "0.10")]
    [InlineData("1.500", "1.50")]
    [InlineData("1e2", "100.00")]
    [InlineData("12.34E0", "12.34")]
    [InlineData("-0", "0.00")]
    [InlineData("9999999999.99", "9999999999.99")]
    public async Task PricesAreExactAndAlwaysHaveTwoDecimals(string sent, string stored)
    {
        using var response = await Client.PostJsonAsync("/products", $$"""{"name":"Priced","price":{{sent}},"amount":1}""");

        await response.AssertStatusAsync(HttpStatusCode.Created);
        Assert.Equal(stored, (await response.BodyAsync()).GetProperty("price").GetRawText());
        using var read = await Client.GetAsync(response.Headers.Location);
        Assert.Equal(stored, (await read.BodyAsync()).GetProperty("price").GetRawText());
        var id = (await read.BodyAsync()).GetProperty("id").GetInt64();
        Assert.Equal(decimal.Parse(stored, CultureInfo.InvariantCulture), await Api.QueryAsync(db => db.Products.Where(p => p.Id == id).Select(p => p.Price).SingleAsync()));
    }

    [DatabaseFact]
    public async Task AProductReadBackCanBeSentBackWithItsTimestampsWhichAreIgnored()
    {
        var (url, etag) = await CreateAsync("Round trip");
        using var read = await Client.GetAsync(url);
        var body = (await read.BodyAsync()).ToString()
            .Replace("\"Round trip\"", "\"Round trip, edited\"", StringComparison.Ordinal);
        var edited = JsonDocument.Parse(body).RootElement;
        var forged = body.Replace(edited.GetProperty("createdAt").GetString()!, "2000-01-01T00:00:00Z", StringComparison.Ordinal);

        using var response = await Client.PutJsonAsync(url, forged, ifMatch: etag);

        await response.AssertStatusAsync(HttpStatusCode.OK);
        var updated = await response.BodyAsync();
        Assert.Equal("Round trip, edited", updated.GetProperty("name").GetString());
        Assert.Equal(edited.GetProperty("createdAt").GetString(), updated.GetProperty("createdAt").GetString());
    }

    /// <summary>Creates a product and returns its URL and ETag.</summary>
    protected async Task<(string Url, string ETag)> CreateAsync(string name)
    {
        using var response = await Client.PostJsonAsync("/products", JsonSerializer.Serialize(new { name, price = 1.25m, amount = 3 }));
        await response.AssertStatusAsync(HttpStatusCode.Created);
        return (response.Headers.Location!.OriginalString, response.ETag()!);
    }
}

public sealed class SqliteProductApiTests(SqliteApi api) : ProductApiContract(api), IClassFixture<SqliteApi>;

[Postgres]
public sealed class PostgresProductApiTests(PostgresApi api) : ProductApiContract(api), IClassFixture<PostgresApi>
{
    [DatabaseFact]
    public async Task NpgsqlMetricsAreExportedWithTheServicesOwn()
    {
        using var warmUp = await Client.GetAsync("/products?limit=1");
        await warmUp.AssertStatusAsync(HttpStatusCode.OK);

        var exposition = await Client.GetStringAsync("/metrics");

        Assert.Contains("db_client_operation_duration_seconds_bucket{", exposition, StringComparison.Ordinal);
        Assert.Contains("db_client_connection_pool_name=\"pulse\"", exposition, StringComparison.Ordinal);
        Assert.Contains("db_client_connections{", exposition, StringComparison.Ordinal);
    }

    [DatabaseFact]
    public async Task PromtoolAcceptsAScrapeThatIncludesNpgsqlMetrics()
    {
        using var warmUp = await Client.GetAsync("/products?limit=1");
        await warmUp.AssertStatusAsync(HttpStatusCode.OK);

        var exposition = await Client.GetStringAsync("/metrics");
        var result = await ProcessRunner.RunAsync(ExternalTools.Require("promtool"), ["check", "metrics"], exposition, TimeSpan.FromSeconds(30));

        Assert.Contains("db_client_", exposition, StringComparison.Ordinal);
        Assert.True(result.ExitCode == 0, result.ToString());
    }
}
