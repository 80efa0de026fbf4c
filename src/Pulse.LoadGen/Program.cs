using System.Runtime.InteropServices;
using Pulse.LoadGen.Cli;
using Pulse.LoadGen.Engine;
using Pulse.LoadGen.Output;

namespace Pulse.LoadGen;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        using var control = new RunControl();

        // Ctrl+C and SIGTERM: the first stops gracefully (summary, cleanup), the second abandons requests in
        // flight, the third ends the process the default way.
        void OnSignal(PosixSignalContext context) => context.Cancel = control.Interrupt();
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

        return await LoadGenCli.RunAsync(args, CliConsole.FromSystemConsole(), control);
    }
}
