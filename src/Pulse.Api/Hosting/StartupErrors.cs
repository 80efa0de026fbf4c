using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace Pulse.Api.Hosting;

/// <summary>
/// Start-up failures a user can fix by changing a setting: told in one line on stderr, with exit code
/// <see cref="ExitCode"/>, instead of an unhandled exception's stack trace and SIGABRT.
/// </summary>
internal static class StartupErrors
{
    /// <summary>EX_CONFIG from sysexits.h: the process ended because of its configuration, not a crash.</summary>
    public const int ExitCode = 78;

    /// <summary>
    /// Runs the settings' validation (what <c>ValidateOnStart</c> registered) before the host starts, so that a
    /// bad setting ends start-up here instead of inside the host, which would log it with a stack trace.
    /// </summary>
    public static void ValidateSettings(this WebApplication app) =>
        app.Services.GetService<IStartupValidator>()?.Validate();

    /// <summary>The one line that tells what to fix, or null when the exception is not a configuration error.</summary>
    public static string? Describe(Exception exception) => exception switch
    {
        OptionsValidationException invalid => $"Invalid configuration: {string.Join("; ", invalid.Failures)}",
        AggregateException { InnerExceptions: var inner } when inner.All(e => e is OptionsValidationException) =>
            $"Invalid configuration: {string.Join("; ", inner.Cast<OptionsValidationException>().SelectMany(e => e.Failures))}",

        // ConfigurationBinder names the key and the type it could not convert the value to.
        InvalidOperationException { TargetSite.DeclaringType: var type } when type == typeof(ConfigurationBinder) =>
            $"Invalid configuration: {exception.Message}",
        IOException { InnerException: AddressInUseException } => $"Cannot listen: {exception.Message}",
        _ => null,
    };

    /// <summary>Writes the line and returns the exit code.</summary>
    public static int Report(string message)
    {
        Console.Error.WriteLine(message);
        return ExitCode;
    }
}
