using Pulse.Testing;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Pulse.Api.Tests.Infrastructure;

/// <summary>Marks a test class whose service runs on PostgreSQL: its <see cref="DatabaseFactAttribute"/> tests need <c>PULSE_TEST_POSTGRES</c>.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class PostgresAttribute : Attribute;

/// <summary>
/// A fact of a provider-independent test suite (an abstract class run once per database by its subclasses).
/// In a <see cref="PostgresAttribute"/> class it is skipped when no PostgreSQL is configured, except in CI,
/// where it runs and fails; on SQLite it always runs.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
[XunitTestCaseDiscoverer("Pulse.Api.Tests.Infrastructure.DatabaseFactDiscoverer", "Pulse.Api.Tests")]
public sealed class DatabaseFactAttribute : FactAttribute;

/// <summary>The theory counterpart of <see cref="DatabaseFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
[XunitTestCaseDiscoverer("Pulse.Api.Tests.Infrastructure.DatabaseTheoryDiscoverer", "Pulse.Api.Tests")]
public sealed class DatabaseTheoryAttribute : TheoryAttribute;

internal static class DatabaseSkip
{
    public static string? For(ITestMethod testMethod) =>
        testMethod.TestClass.Class.GetCustomAttributes(typeof(PostgresAttribute)).Any() ? PostgresTestServer.SkipReason() : null;

    public static IXunitTestCase Skipped(IMessageSink sink, ITestFrameworkDiscoveryOptions options, ITestMethod testMethod, string reason) =>
        new XunitSkippedDataRowTestCase(sink, options.MethodDisplayOrDefault(), options.MethodDisplayOptionsOrDefault(), testMethod, reason);
}

public sealed class DatabaseFactDiscoverer(IMessageSink diagnosticMessageSink) : FactDiscoverer(diagnosticMessageSink)
{
    public override IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute) =>
        DatabaseSkip.For(testMethod) is { } reason
            ? [DatabaseSkip.Skipped(DiagnosticMessageSink, discoveryOptions, testMethod, reason)]
            : base.Discover(discoveryOptions, testMethod, factAttribute);
}

public sealed class DatabaseTheoryDiscoverer(IMessageSink diagnosticMessageSink) : TheoryDiscoverer(diagnosticMessageSink)
{
    public override IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo theoryAttribute) =>
        DatabaseSkip.For(testMethod) is { } reason
            ? [DatabaseSkip.Skipped(DiagnosticMessageSink, discoveryOptions, testMethod, reason)]
            : base.Discover(discoveryOptions, testMethod, theoryAttribute);
}
