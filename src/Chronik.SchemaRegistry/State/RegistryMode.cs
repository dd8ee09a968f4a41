namespace Chronik.SchemaRegistry.State;

/// <summary>Confluent's registry modes: READWRITE takes registrations, READONLY refuses them, IMPORT takes them with their given ids.</summary>
public enum RegistryMode
{
    ReadWrite,
    ReadOnly,
    Import,
}

/// <summary>The wire names of <see cref="RegistryMode"/>.</summary>
public static class RegistryModes
{
    private static readonly string[] s_names = ["READWRITE", "READONLY", "IMPORT"];

    public static string Name(RegistryMode mode) => s_names[(int)mode];

    public static bool TryParse(string? text, out RegistryMode mode)
    {
        int i = text is null ? -1 : Array.IndexOf(s_names, text.ToUpperInvariant());
        mode = i < 0 ? RegistryMode.ReadWrite : (RegistryMode)i;
        return i >= 0;
    }
}
