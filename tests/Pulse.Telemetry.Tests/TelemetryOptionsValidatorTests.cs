namespace Pulse.Telemetry.Tests;

public sealed class TelemetryOptionsValidatorTests
{
    [Fact]
    public void DefaultsAreValid()
    {
        var result = new TelemetryOptionsValidator().Validate(null, new TelemetryOptions());
        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void BucketsThatDoNotIncreaseAreRejectedNamingTheSetting()
    {
        var options = new TelemetryOptions();
        options.Http.DurationBuckets.Add(0.5);
        options.Http.DurationBuckets.Add(0.1);

        var result = new TelemetryOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Telemetry:Http:DurationBuckets must be strictly increasing", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    public void NonPositiveOrNonFiniteBoundsAreRejected(double bound)
    {
        var options = new TelemetryOptions();
        options.Http.SizeBuckets.Add(bound);

        var result = new TelemetryOptionsValidator().Validate(null, options);

        Assert.Contains("Telemetry:Http:SizeBuckets:0 must be a positive finite number", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void ASamplingRatioThatIsNotAProbabilityIsRejectedNamingTheSetting(double ratio)
    {
        var options = new TelemetryOptions { Tracing = { SamplingRatio = ratio } };

        var section = new TelemetryOptionsValidator().Validate(null, options);
        var part = new TracingOptionsValidator().Validate(null, options.Tracing);

        Assert.Contains("Telemetry:Tracing:SamplingRatio must be between 0 and 1", section.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Telemetry:Tracing:SamplingRatio must be between 0 and 1", part.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.25)]
    [InlineData(1.0)]
    public void SamplingRatiosFromZeroToOneAreAccepted(double ratio)
    {
        var result = new TelemetryOptionsValidator().Validate(null, new TelemetryOptions { Tracing = { SamplingRatio = ratio } });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void PathsMustStartWithSlashAndPortMustBeInRange()
    {
        var options = new TelemetryOptions { Prometheus = { Path = "metrics", Port = 70000 } };
        options.Http.ExcludedPaths.Add("health");

        var message = new TelemetryOptionsValidator().Validate(null, options).FailureMessage;

        Assert.Contains("Telemetry:Prometheus:Path must start with '/'", message, StringComparison.Ordinal);
        Assert.Contains("Telemetry:Prometheus:Port must be between 1 and 65535", message, StringComparison.Ordinal);
        Assert.Contains("Telemetry:Http:ExcludedPaths:0 must start with '/'", message, StringComparison.Ordinal);
    }

    [Fact]
    public void OtlpEndpointMustBeHttp()
    {
        var options = new TelemetryOptions { Otlp = { Endpoint = new Uri("ftp://collector:4318") } };

        var message = new TelemetryOptionsValidator().Validate(null, options).FailureMessage;

        Assert.Contains("Telemetry:Otlp:Endpoint must be an absolute http or https address", message, StringComparison.Ordinal);
    }
}
