namespace VoiceProxy.DoNotCall;

internal static class DoNotCallServices
{
    /// <summary>The national and state registries, as memory-mapped snapshots.</summary>
    public static IServiceCollection AddDoNotCall(this IServiceCollection services) =>
        services.AddSingleton<IDncRegistry, SnapshotRegistry>();
}
