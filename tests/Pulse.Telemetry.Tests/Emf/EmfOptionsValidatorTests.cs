namespace Pulse.Telemetry.Tests.Emf;

public sealed class EmfOptionsValidatorTests
{
    [Fact]
    public void DefaultsAreValid()
    {
        var result = new EmfOptionsValidator().Validate(null, new EmfOptions());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("00:00:00.500")]
    [InlineData("00:00:07")]
    [InlineData("00:01:30")]
    [InlineData("00:00:01.500")]
    [InlineData("-00:00:10")]
    public void IntervalsThatDoNotDivideAMinuteAreRejected(string interval)
    {
        var options = new TelemetryOptions { Emf = { FlushInterval = TimeSpan.Parse(interval, System.Globalization.CultureInfo.InvariantCulture) } };

        var message = new EmfOptionsValidator().Validate(null, options.Emf).FailureMessage;

        Assert.Contains("Telemetry:Emf:FlushInterval must be whole seconds from 00:00:01 to 00:01:00", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(15)]
    [InlineData(60)]
    public void IntervalsThatDivideAMinuteAreAccepted(int seconds)
    {
        var options = new TelemetryOptions { Emf = { FlushInterval = TimeSpan.FromSeconds(seconds) } };

        Assert.True(new EmfOptionsValidator().Validate(null, options.Emf).Succeeded);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("Pulse/App!")]
    [InlineData("AWS/ECS")]
    [InlineData("caf\u00e9")]
    public void BadNamespacesAreRejectedNamingTheVariable(string @namespace)
    {
        var options = new TelemetryOptions { Emf = { Namespace = @namespace } };

        var message = new EmfOptionsValidator().Validate(null, options.Emf).FailureMessage;

        Assert.StartsWith("AWS_EMF_NAMESPACE must be 1 to 256 characters", message, StringComparison.Ordinal);
    }

    [Fact]
    public void ANamespaceOfTwoHundredFiftySevenCharactersIsTooLong()
    {
        var options = new TelemetryOptions { Emf = { Namespace = new string('a', 257) } };

        Assert.Contains("AWS_EMF_NAMESPACE", new EmfOptionsValidator().Validate(null, options.Emf).FailureMessage, StringComparison.Ordinal);
        Assert.True(new EmfOptionsValidator().Validate(null, new EmfOptions { Namespace = new string('a', 256) }).Succeeded);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("tab\there")]
    [InlineData("caf\u00e9")]
    public void BlankOrNonAsciiServiceNamesAreRejectedNamingTheVariable(string service)
    {
        var options = new TelemetryOptions { Emf = { ServiceName = service } };

        var message = new EmfOptionsValidator().Validate(null, options.Emf).FailureMessage;

        Assert.StartsWith("AWS_EMF_SERVICE_NAME must be 1 to 1024 printable ASCII characters", message, StringComparison.Ordinal);
    }

    [Fact]
    public void QueueCapacityAndEnumsAreChecked()
    {
        var options = new TelemetryOptions { Emf = { QueueCapacity = 1, Mode = (EmfMode)7, LatencyFormat = (EmfLatencyFormat)9 } };

        var message = new EmfOptionsValidator().Validate(null, options.Emf).FailureMessage;

        Assert.Contains("Telemetry:Emf:QueueCapacity must be between 16 and 1000000 (got 1)", message, StringComparison.Ordinal);
        Assert.Contains("Telemetry:Emf:Mode must be Aggregated or PerRequest", message, StringComparison.Ordinal);
        Assert.Contains("Telemetry:Emf:LatencyFormat must be Distribution, Values or StatisticSet", message, StringComparison.Ordinal);
    }

    [Fact]
    public void NothingIsCheckedWhenEmfIsOff()
    {
        var options = new TelemetryOptions { Emf = { Enabled = false, Namespace = "bad namespace", FlushInterval = TimeSpan.Zero } };

        Assert.True(new EmfOptionsValidator().Validate(null, options.Emf).Succeeded);
    }

    [Fact]
    public void ABlankMeterNameIsRejectedNamingItsPlace()
    {
        var options = new EmfOptions { Meters = { "Shop.Orders", " " } };

        var message = new EmfOptionsValidator().Validate(null, options).FailureMessage;

        Assert.Contains("Telemetry:Emf:Meters:1 must name a meter", message, StringComparison.Ordinal);
    }
}
