using System.Globalization;
using System.Net;
using Pulse.Api.Tests.Infrastructure;

namespace Pulse.Api.Tests;

/// <summary>
/// Ids stay within 1 to 2^53 - 1, the integers a JSON number holds exactly in every client. Once a client has
/// taken the last one, the service picks no larger id: creating without an id answers 507 and writes nothing,
/// while ids clients choose still work. Each database gets its own service, since the range is used up for good.
/// </summary>
public abstract class IdRangeContract(ApiFixture api)
{
    private const long MaxId = 9_007_199_254_740_991;

    [DatabaseFact]
    public async Task AfterTheLargestIdTheServicePicksNoIdBeyondItAndSaysSo()
    {
        var client = api.Client;
        foreach (var (collection, fields) in new[] { ("/products", "\"name\":\"Item\",\"price\":1,\"amount\":1"), ("/tasks", "\"title\":\"Item\"") })
        {
            using var last = await client.PostJsonAsync(collection, $$"""{"id":{{MaxId}},{{fields}}}""");
            await last.AssertStatusAsync(HttpStatusCode.Created);
            var before = await api.CountRowsAsync();

            using var one = await client.PostJsonAsync(collection, $"{{{fields}}}");
            using var batch = await client.PostJsonAsync(collection, $$"""[{"id":12346,{{fields}}},{{{fields}}}]""");

            foreach (var response in new[] { one, batch })
            {
                var problem = await response.AssertProblemAsync(HttpStatusCode.InsufficientStorage);
                Assert.Contains(MaxId.ToString(CultureInfo.InvariantCulture), problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            }

            Assert.Equal(before, await api.CountRowsAsync());
            using var chosen = await client.PostJsonAsync(collection, $$"""{"id":12345,{{fields}}}""");
            await chosen.AssertStatusAsync(HttpStatusCode.Created);
            using var read = await client.GetAsync($"{collection}/{MaxId}");
            await read.AssertStatusAsync(HttpStatusCode.OK);
        }
    }
}

public sealed class SqliteIdRangeTests(SqliteApi api) : IdRangeContract(api), IClassFixture<SqliteApi>;

[Postgres]
public sealed class PostgresIdRangeTests(PostgresApi api) : IdRangeContract(api), IClassFixture<PostgresApi>;
