namespace Pulse.LoadGen;

/// <summary>The documented exit codes (docs/loadgen.md).</summary>
internal static class ExitCodes
{
    /// <summary>The run finished with no more unexpected outcomes than <c>--max-error-rate</c> allows.</summary>
    public const int Ok = 0;

    /// <summary>The share of unexpected outcomes exceeded <c>--max-error-rate</c>.</summary>
    public const int ErrorRateExceeded = 1;

    /// <summary>A bad command line; the message names the argument.</summary>
    public const int BadArguments = 2;

    /// <summary>The probe before the run got no HTTP answer from the target.</summary>
    public const int Unreachable = 3;

    /// <summary>A bug in the tool (sysexits.h EX_SOFTWARE); the message says what happened.</summary>
    public const int InternalError = 70;
}
