using Pulse.Testing;
using Pulse.Testing.Emf;
using Xunit.Sdk;

namespace Pulse.Telemetry.Tests.Emf;

/// <summary>The checks every EMF test relies on must themselves reject what the rules forbid.</summary>
public sealed class EmfValidatorsTests
{
    private const long Now = 1_767_225_600_000;

    private const string Valid =
        """{"_aws":{"Timestamp":1767225600000,"CloudWatchMetrics":[{"Namespace":"Pulse/App","Dimensions":[["Service"]],"Metrics":[{"Name":"RequestLatencyMs","Unit":"Milliseconds"}]}]},"Service":"pulse-api","RequestLatencyMs":{"Values":[1,2],"Counts":[3,4],"Max":2,"Min":1,"Count":7,"Sum":11}}""";

    [Fact]
    public void AValidDocumentPassesTheRules() =>
        Assert.Empty(EmfRules.Check(Valid, DateTimeOffset.FromUnixTimeMilliseconds(Now)));

    [Theory]
    [InlineData("\"Timestamp\":1767225600000", "\"Timestamp\":1767225600000.5", "§2: Timestamp is not an integer")]
    [InlineData("\"Timestamp\":1767225600000", "\"Timestamp\":1765000000000", "outside 14 days back")]
    [InlineData("\"Unit\":\"Milliseconds\"", "\"Unit\":\"Millis\"", "unit")]
    [InlineData("\"Service\":\"pulse-api\"", "\"Service\":7", "does not reference a string member")]
    [InlineData("\"Service\":\"pulse-api\"", "\"Service\":\" \"", "non-blank string")]
    [InlineData("\"Counts\":[3,4]", "\"Counts\":[3]", "2 Values but 1 Counts")]
    [InlineData("\"Count\":7", "\"Count\":8", "differs from the sum of Counts")]
    [InlineData("\"Values\":[1,2]", "\"Values\":[1,5]", "outside [Min, Max]")]
    [InlineData("\"Namespace\":\"Pulse/App\"", "\"Namespace\":\"Pulse App\"", "§3: Namespace")]
    [InlineData("{\"Name\":\"RequestLatencyMs\"", "{\"Name\":\"Missing\"", "references no root member")]
    [InlineData("\"Timestamp\":1767225600000,", "\"Timestamp\":1767225600000,\"Extra\":1,", "does not define")]
    public void EachBrokenRuleIsReported(string original, string replacement, string expected)
    {
        var broken = Valid.Replace(original, replacement, StringComparison.Ordinal);
        Assert.NotEqual(Valid, broken);

        var problems = EmfRules.Check(broken, DateTimeOffset.FromUnixTimeMilliseconds(Now));

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void ArraysLongerThanOneHundredAndTooManyDimensionKeysAreReported()
    {
        var values = string.Join(',', Enumerable.Range(0, 101));
        var keys = string.Join(',', Enumerable.Range(0, 31).Select(i => $"\"D{i}\""));
        var members = string.Join(',', Enumerable.Range(0, 31).Select(i => $"\"D{i}\":\"v\""));
        var line = $$"""{"_aws":{"Timestamp":{{Now}},"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[[{{keys}}]],"Metrics":[{"Name":"M"}]}]},{{members}},"M":[{{values}}]}""";

        var problems = EmfRules.Check(line, DateTimeOffset.FromUnixTimeMilliseconds(Now));

        Assert.Contains(problems, p => p.Contains("31 keys in one dimension set", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("101 values, more than 100", StringComparison.Ordinal));
    }

    [Fact]
    public void TextAfterTheObjectIsReported() =>
        Assert.Contains(EmfRules.Check(Valid + " {}", DateTimeOffset.FromUnixTimeMilliseconds(Now)), p => p.StartsWith("§1: not one JSON value", StringComparison.Ordinal));

    [RequiresToolsFact("node", "npm")]
    public async Task TheSchemaValidatorRejectsWhatTheSchemaForbids()
    {
        await EmfSchema.AssertValidAsync([Valid]);

        string[] invalid =
        [
            Valid.Replace("\"Unit\":\"Milliseconds\"", "\"Unit\":\"Millis\"", StringComparison.Ordinal),
            Valid.Replace("\"Dimensions\":[[\"Service\"]]", "\"Dimensions\":[]", StringComparison.Ordinal),
            """{"Service":"no _aws"}""",
        ];
        foreach (var line in invalid)
        {
            await Assert.ThrowsAsync<TrueException>(() => EmfSchema.AssertValidAsync([line]));
        }
    }
}
