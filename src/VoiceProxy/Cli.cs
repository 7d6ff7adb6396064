using VoiceProxy.Audit;
using VoiceProxy.Bulk;
using VoiceProxy.DoNotCall;

namespace VoiceProxy;

/// <summary>The program's sub-commands. Each exits 0 on success, else non-zero with a one-line error.</summary>
internal static class Cli
{
    public static async Task<int?> TryRunAsync(string[] args)
    {
        if (args is ["audit", ..]) return await AuditCli.RunAsync(args[1..]);
        if (args is ["scrub", ..]) return await RunAsync(() => ScrubCommand.RunAsync(args[1..], Console.Error));
        // Anything that is not an option is meant as a sub-command: an unknown one is an error, not a reason to serve.
        if (args.Length > 0 && !args[0].StartsWith('-') && args[0] != "registry")
            return Fail($"unknown command '{args[0]}': the commands are 'registry import', 'audit verify' and 'scrub'");
        if (args.Length == 0 || args[0] != "registry") return null;
        return args is [_, "import", ..]
            ? await RunAsync(() => RegistryImportCommand.RunAsync(args[2..], Console.Out, Console.Error))
            : Fail(RegistryImportCommand.Usage);
    }

    private static async Task<int> RunAsync(Func<Task<int>> command)
    {
        try
        {
            return await command();
        }
        catch (Exception e) when (e is IOException or InvalidDataException or InvalidOperationException or ArgumentException
            or FormatException or UnauthorizedAccessException or Microsoft.Extensions.Options.OptionsValidationException)
        {
            return Fail(e.Message);
        }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return 2;
    }
}
