using Pulse.Slo.Spec;

namespace Pulse.Slo.Tests;

/// <summary>Every kind of bad spec is rejected with a message that names the field it is about.</summary>
public sealed class SpecValidationTests
{
    private static SpecError RejectedWith(string yaml, ServiceFacts? facts = null)
    {
        var exception = Assert.Throws<SpecException>(() => SpecReader.Read(yaml, facts ?? Specs.Facts, "test.yaml"));
        var error = Assert.Single(exception.Errors);
        Assert.Contains(error.Field, exception.Message, StringComparison.Ordinal);
        return error;
    }

    [Fact]
    public void TheShippedSpecIsValidAndHoldsAnAvailabilityAServiceLatencyAndAnEndpointLatencyObjective()
    {
        var spec = Specs.Shipped;

        Assert.Equal(30, spec.WindowDays);
        Assert.Equal("pulse-api", spec.Job);
        Assert.Contains(spec.Objectives, o => o is { Sli: SliKind.Availability, Endpoint: null });
        Assert.Contains(spec.Objectives, o => o is { Sli: SliKind.Latency, Endpoint: null });
        Assert.Contains(spec.Objectives, o => o is { Sli: SliKind.Latency, Endpoint: not null });
    }

    [Theory]
    [InlineData("100")]
    [InlineData("100.0")]
    [InlineData("100.5")]
    public void ATargetOfAHundredPercentOrMoreIsRejectedNamingTheTarget(string target)
    {
        var error = RejectedWith(Specs.Yaml($"  - name: availability\n    sli: availability\n    target: {target}\n"));

        Assert.Equal("objectives[0].target", error.Field);
        Assert.Contains("must be below 100 %", error.Message, StringComparison.Ordinal);
        Assert.Contains("no error budget", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATargetSoLowThatThePageAlertCouldNeverFireIsRejected()
    {
        // 90 % leaves 10 % of requests as budget; 14.4 x 10 % is more than every request failing.
        var error = RejectedWith(Specs.Yaml("  - name: availability\n    sli: availability\n    target: 90\n"));

        Assert.Equal("objectives[0].target", error.Field);
        Assert.Contains("could never fire", error.Message, StringComparison.Ordinal);
        Assert.Contains("93.06 %", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("250ms")]
    [InlineData("0.25s")]
    [InlineData("301ms")]
    public void ALatencyThresholdThatIsNotABucketBoundaryIsRejectedNamingTheThresholdAndTheBoundaries(string threshold)
    {
        var error = RejectedWith(Specs.Yaml($"  - name: latency\n    sli: latency\n    target: 99\n    threshold: {threshold}\n"));

        Assert.Equal("objectives[0].threshold", error.Field);
        Assert.Contains("is not a bucket boundary of http_request_duration_seconds", error.Message, StringComparison.Ordinal);
        Assert.Contains("5ms, 10ms, 25ms, 50ms, 100ms, 300ms, 500ms, 1000ms, 2000ms, 5000ms, 10000ms", error.Message, StringComparison.Ordinal);
        Assert.Contains("Telemetry:Http:DurationBuckets", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("300ms", 300)]
    [InlineData("0.3s", 300)]
    [InlineData("1s", 1000)]
    [InlineData("5ms", 5)]
    public void AThresholdOnABoundaryOfTheDefaultBucketsIsAcceptedInMillisecondsOrSeconds(string threshold, int milliseconds)
    {
        var spec = Specs.Read($"  - name: latency\n    sli: latency\n    target: 99\n    threshold: {threshold}\n");

        Assert.Equal(milliseconds, Assert.Single(spec.Objectives).ThresholdMs);
    }

    [Fact]
    public void TheBoundariesAreTheOnesTheServiceSettingsConfigureWhenTheySetDurationBuckets()
    {
        var directory = Directory.CreateTempSubdirectory("pulse-slo-settings-").FullName;
        try
        {
            var settings = Path.Combine(directory, "appsettings.json");
            File.WriteAllText(settings, """{ "Telemetry": { "Http": { "DurationBuckets": [ 0.05, 0.25, 4 ] } } }""");
            var facts = ServiceFacts.Load(settings, Path.Combine(Specs.Root, ServiceFacts.DefaultOpenApiFile));

            Assert.Equal([0.05, 0.25, 4], facts.DurationBucketsSeconds);
            var accepted = Specs.Read("  - name: latency\n    sli: latency\n    target: 99\n    threshold: 250ms\n", facts: facts);
            Assert.Equal(250, accepted.Objectives[0].ThresholdMs);
            var error = RejectedWith(Specs.Yaml("  - name: latency\n    sli: latency\n    target: 99\n    threshold: 300ms\n"), facts);
            Assert.Contains("50ms, 250ms, 4000ms", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void WithoutConfiguredBucketsTheServiceDefaultsApply()
    {
        Assert.Equal(Pulse.Telemetry.PulseMetrics.Http.DefaultDurationBuckets, Specs.Facts.DurationBucketsSeconds);
        Assert.Contains("default", Specs.Facts.BucketsSource, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownEndpointIsRejectedNamingTheEndpointAndListingTheKnownOnes()
    {
        var error = RejectedWith(Specs.Yaml("  - name: orders\n    sli: latency\n    endpoint: /orders/{id}\n    target: 99\n    threshold: 100ms\n"));

        Assert.Equal("objectives[0].endpoint", error.Field);
        Assert.Contains("'/orders/{id}' is not an endpoint of the service", error.Message, StringComparison.Ordinal);
        Assert.Contains("/products/{id}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ARawPathInsteadOfTheRouteTemplateIsAnUnknownEndpoint()
    {
        var error = RejectedWith(Specs.Yaml("  - name: product\n    sli: latency\n    endpoint: /products/42\n    target: 99\n    threshold: 100ms\n"));

        Assert.Equal("objectives[0].endpoint", error.Field);
    }

    [Fact]
    public void AnAvailabilityObjectiveLimitedToAnEndpointIsRejectedBecauseCloudWatchCannotMeasureIt()
    {
        var error = RejectedWith(Specs.Yaml("  - name: products\n    sli: availability\n    endpoint: /products\n    target: 99.9\n"));

        Assert.Equal("objectives[0].endpoint", error.Field);
        Assert.Contains("ServerErrorCount only per service", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("  - name: latency\n    sli: latency\n    target: 99\n", "objectives[0].threshold", "needs a threshold")]
    [InlineData("  - name: availability\n    sli: availability\n    target: 99.9\n    threshold: 300ms\n", "objectives[0].threshold", "only latency objectives")]
    [InlineData("  - name: latency\n    sli: latency\n    target: 99\n    threshold: fast\n", "objectives[0].threshold", "is not a duration")]
    [InlineData("  - name: availability\n    sli: uptime\n    target: 99.9\n", "objectives[0].sli", "is not an SLI kind")]
    [InlineData("  - name: availability\n    sli: availability\n    target: high\n", "objectives[0].target", "is not a percentage")]
    [InlineData("  - name: availability\n    sli: availability\n    target: 0\n", "objectives[0].target", "must be above 0 %")]
    [InlineData("  - name: Availability\n    sli: availability\n    target: 99.9\n", "objectives[0].name", "lower-case")]
    [InlineData("  - sli: availability\n    target: 99.9\n", "objectives[0].name", "is required")]
    [InlineData("  - name: availability\n    sli: availability\n    target: 99.9\n    treshold: 1s\n", "objectives[0].treshold", "unknown field")]
    [InlineData("  - name: a\n    sli: availability\n    target: 99.9\n  - name: a\n    sli: availability\n    target: 99\n", "objectives[1].name", "must be unique")]
    public void EveryOtherMistakeInAnObjectiveIsRejectedNamingItsField(string objectives, string field, string message)
    {
        var error = RejectedWith(Specs.Yaml(objectives));

        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("version: 2\njob: pulse-api\nwindow: 30d\nobjectives:\n  - {name: a, sli: availability, target: 99.9}\n", "version")]
    [InlineData("version: 1\njob: pulse api\nwindow: 30d\nobjectives:\n  - {name: a, sli: availability, target: 99.9}\n", "job")]
    [InlineData("version: 1\njob: pulse-api\nwindow: 4w\nobjectives:\n  - {name: a, sli: availability, target: 99.9}\n", "window")]
    [InlineData("version: 1\njob: pulse-api\nwindow: 7d\nobjectives:\n  - {name: a, sli: availability, target: 99.9}\n", "window")]
    [InlineData("version: 1\njob: pulse-api\nwindow: 30d\nobjectives: []\n", "objectives")]
    [InlineData("version: 1\njob: pulse-api\nobjectives:\n  - {name: a, sli: availability, target: 99.9}\n", "window")]
    [InlineData("version: 1\njob: pulse-api\nwindow: 30d\nslos: []\nobjectives:\n  - {name: a, sli: availability, target: 99.9}\n", "slos")]
    public void MistakesOutsideTheObjectivesAreRejectedNamingTheirField(string yaml, string field)
    {
        Assert.Equal(field, RejectedWith(yaml).Field);
    }

    [Fact]
    public void EveryProblemIsReportedAtOnceWithItsLine()
    {
        var exception = Assert.Throws<SpecException>(() => SpecReader.Read(
            Specs.Yaml("  - name: a\n    sli: availability\n    target: 100\n  - name: b\n    sli: latency\n    target: 99\n    threshold: 250ms\n"),
            Specs.Facts, "test.yaml"));

        Assert.Equal(["objectives[0].target", "objectives[1].threshold"], exception.Errors.Select(e => e.Field));
        Assert.Equal([7, 11], exception.Errors.Select(e => e.Line));
        Assert.StartsWith("test.yaml is not a valid SLO spec:", exception.Message, StringComparison.Ordinal);
    }
}
