using System.Text.Json;
using Pulse.Telemetry.Formats.Emf;
using Pulse.Telemetry.Schema;
using Pulse.Testing;
using Pulse.Testing.Emf;

namespace Pulse.Telemetry.Tests.Emf;

public sealed class PulseEmfDocumentsTests
{
    private static readonly KeyValuePair<string, string>[] Ecs = [new("TaskArn", "arn:aws:ecs:eu-central-1:123456789012:task/pulse/abc")];

    [Fact]
    public void APerRequestDocumentIsExactlyOneLineWithBothDimensionSets()
    {
        var writer = new PulseEmfDocuments("Pulse/App", "pulse-api", Ecs);

        var line = writer.WriteRequest(new RequestSample(1_700_000_000_123, 0.0125, "/Welcome", 503, "GET", "0HN:00000001", "4bf92f3577b34da6a3ce929d0e0e4736"));

        Assert.Equal(
            """{"_aws":{"Timestamp":1700000000123,"CloudWatchMetrics":[""" +
            """{"Namespace":"Pulse/App","Dimensions":[["Service"]],"Metrics":[{"Name":"RequestCount","Unit":"Count"},{"Name":"ErrorCount","Unit":"Count"},{"Name":"ServerErrorCount","Unit":"Count"},{"Name":"RequestLatencyMs","Unit":"Milliseconds"}]},""" +
            """{"Namespace":"Pulse/App","Dimensions":[["Service","Endpoint"]],"Metrics":[{"Name":"EndpointInvocations","Unit":"Count"},{"Name":"RequestLatencyMs","Unit":"Milliseconds"},{"Name":"ErrorCount","Unit":"Count"}]}]}""" +
            ""","Service":"pulse-api","Endpoint":"/Welcome","RequestCount":1,"ErrorCount":1,"ServerErrorCount":1,"EndpointInvocations":1,"RequestLatencyMs":12.5""" +
            ""","RequestId":"0HN:00000001","TraceId":"4bf92f3577b34da6a3ce929d0e0e4736","Method":"GET","StatusCode":503""" +
            ""","TaskArn":"arn:aws:ecs:eu-central-1:123456789012:task/pulse/abc"}""" + "\n",
            line);
    }

    [Fact]
    public void AnEndpointDocumentCarriesOneValuesCountsObject()
    {
        var writer = new PulseEmfDocuments("Pulse/App", "pulse-api", []);
        var chunk = new DistributionChunk([2.5, 0], [3, 1], 4, 7.25, 0, 2.75);

        var line = writer.WriteEndpoint(1_700_000_040_000, "/products/{id}", new RequestTotals(4, 1, 0), EmfValue.Distribution(chunk));

        Assert.Equal(
            """{"_aws":{"Timestamp":1700000040000,"CloudWatchMetrics":[""" +
            """{"Namespace":"Pulse/App","Dimensions":[["Service","Endpoint"]],"Metrics":[{"Name":"EndpointInvocations","Unit":"Count"},{"Name":"RequestLatencyMs","Unit":"Milliseconds"},{"Name":"ErrorCount","Unit":"Count"}]}]}""" +
            ""","Service":"pulse-api","Endpoint":"/products/{id}","EndpointInvocations":4,"ErrorCount":1""" +
            ""","RequestLatencyMs":{"Values":[2.5,0],"Counts":[3,1],"Max":2.75,"Min":0,"Count":4,"Sum":7.25}}""" + "\n",
            line);
    }

    [Fact]
    public void NonFiniteLatencyIsLeftOutWithItsDefinition()
    {
        var writer = new PulseEmfDocuments("Pulse/App", "pulse-api", []);

        var line = writer.WriteRequest(new RequestSample(1_700_000_000_000, double.NaN, "/", 200, "GET", null, null));

        using var document = JsonDocument.Parse(line);
        Assert.False(document.RootElement.TryGetProperty("RequestLatencyMs", out _));
        Assert.DoesNotContain("RequestLatencyMs", line, StringComparison.Ordinal);
        Assert.Empty(EmfRules.Check(line.TrimEnd('\n'), DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000)));
    }

    [RequiresToolsFact("node", "npm")]
    public async Task DimensionValuesWithQuotesBackslashesAndNonAsciiTextStayValidJson()
    {
        const string service = """pulse "api" \ edge""";
        const string endpoint = "/caf\u00e9/\"quoted\"/back\\slash/\u65e5\u672c/{id}/\U0001F600";
        var writer = new PulseEmfDocuments("Pulse/App", service, [new("Cluster", "cl\u00fcster \"x\"")]);
        var now = DateTimeOffset.UtcNow;

        string[] lines =
        [
            writer.WriteRequest(new RequestSample(now.ToUnixTimeMilliseconds(), 0.001, endpoint, 200, "GET", "id\"1\\", null)),
            writer.WriteEndpoint(now.ToUnixTimeMilliseconds(), endpoint, new RequestTotals(1, 0, 0), EmfValue.StatisticSet(
                ExponentialDistribution.FromBuckets(5, new Dictionary<int, long> { [-320] = 1 }, 0, 0.001, 0.001, 0.001), ExponentialDistribution.MillisecondsPerSecond)),
        ];

        foreach (var line in lines)
        {
            Assert.EndsWith("\n", line, StringComparison.Ordinal);
            Assert.Equal(1, line.Count(c => c == '\n'));
            Assert.All(line, c => Assert.True(c < 128, $"Non-ASCII character U+{(int)c:X4} in the line."));
            using var document = JsonDocument.Parse(line);
            Assert.Equal(service, document.RootElement.GetProperty("Service").GetString());
            Assert.Equal(endpoint, document.RootElement.GetProperty("Endpoint").GetString());
            Assert.Equal("cl\u00fcster \"x\"", document.RootElement.GetProperty("Cluster").GetString());
            Assert.Empty(EmfRules.Check(line.TrimEnd('\n'), now));
        }

        await EmfSchema.AssertValidAsync([.. lines.Select(l => l.TrimEnd('\n'))]);
    }

    [Theory]
    [InlineData("", "/")]
    [InlineData("   ", "/")]
    [InlineData("/a", "/a")]
    public void BlankRoutesBecomeTheRoot(string route, string expected) =>
        Assert.Equal(expected, PulseEmfDocuments.DimensionValue(route));

    [Fact]
    public void OverlongDimensionValuesAreCutToWhatCloudWatchAccepts() =>
        Assert.Equal(1024, PulseEmfDocuments.DimensionValue(new string('a', 5000)).Length);
}
