using System.Diagnostics;
using System.Net;
using Pulse.Api.Tests.Infrastructure;
using Pulse.Testing;

namespace Pulse.Api.Tests;

/// <summary>
/// The service on a private PostgreSQL server that the test stops and starts again (never the shared one):
/// requests answer 503 quickly while the database is down, readiness follows it, liveness does not, and
/// the service recovers without a restart.
/// </summary>
public sealed class DatabaseOutageTests
{
    /// <summary>The bound for answering a request while the database is down.</summary>
    private static readonly TimeSpan AnswerWithin = TimeSpan.FromSeconds(5);

    [RequiresPostgresServerFact]
    public async Task WhileTheDatabaseIsDownRequestsAnswer503ReadinessFailsAndTheServiceRecoversByItself()
    {
        await using var server = await PostgresServer.StartAsync();
        await using var factory = new PulseApiFactory()
            .WithSetting("Database:Provider", "Postgres")
            .WithSetting("ConnectionStrings:Postgres", server.ConnectionString());
        using var client = factory.CreateClient();
        using var created = await client.PostJsonAsync("/products", """{"name":"Survivor","price":5,"amount":1}""");
        await created.AssertStatusAsync(HttpStatusCode.Created);
        var url = created.Headers.Location!.OriginalString;
        using (var ready = await client.GetAsync("/health/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        await server.StopAsync();

        foreach (var request in new Func<Task<HttpResponseMessage>>[]
        {
            () => client.GetAsync(url),
            () => client.GetAsync("/products"),
            () => client.PostJsonAsync("/products", """{"name":"Lost","price":1,"amount":1}"""),
            () => client.PutJsonAsync(url, """{"name":"Lost","price":1,"amount":1}"""),
        })
        {
            var clock = Stopwatch.StartNew();
            using var response = await request();
            Assert.True(clock.Elapsed < AnswerWithin, $"Answered after {clock.Elapsed}.");
            var problem = await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
            Assert.Equal("The database is unavailable.", problem.GetProperty("title").GetString());
            Assert.NotNull(response.Headers.RetryAfter);
        }

        foreach (var path in new[] { "/health/ready", "/health" })
        {
            var clock = Stopwatch.StartNew();
            using var response = await client.GetAsync(path);
            Assert.True(clock.Elapsed < AnswerWithin, $"{path} answered after {clock.Elapsed}.");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Contains("\"name\":\"database\",\"status\":\"Unhealthy\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var live = await client.GetAsync("/health/live"))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        await server.StartAgainAsync();

        await Wait.UntilAsync(
            async () =>
            {
                using var ready = await client.GetAsync("/health/ready");
                return ready.StatusCode == HttpStatusCode.OK;
            },
            TimeSpan.FromSeconds(30),
            "readiness to report the database again");
        using var read = await client.GetAsync(url);
        await read.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal("Survivor", (await read.BodyAsync()).GetProperty("name").GetString());
        using var write = await client.PostJsonAsync("/products", """{"name":"After the outage","price":1,"amount":1}""");
        await write.AssertStatusAsync(HttpStatusCode.Created);
    }
}
