using Npgsql;

namespace Chronik.Cluster.Connection;

/// <summary>
/// The <c>--metadata-url</c> / <c>metadata.url</c> value: <c>postgresql://USER[:PASSWORD]@HOST[:PORT]/DB[?key=value&amp;…]</c>
/// (libpq's URI form; <c>postgres://</c> too), turned into an Npgsql connection string. The query keys are Npgsql's
/// connection-string keywords (sslmode and connect_timeout are also accepted under libpq's names). A password may also
/// come from PGPASSWORD or a pgpass file, as Npgsql reads them. Bad URLs throw <see cref="FormatException"/> saying why.
/// </summary>
public static class PostgresUrl
{
    private const int DefaultPort = 5432;

    /// <summary>The Npgsql connection string of <paramref name="url"/>.</summary>
    public static string ToConnectionString(string url)
    {
        if (string.IsNullOrWhiteSpace(url)) throw Bad(url, "it is empty");
        int colon = url.IndexOf("://", StringComparison.Ordinal);
        string scheme = colon > 0 ? url[..colon].ToLowerInvariant() : "";
        if (scheme is not ("postgresql" or "postgres")) throw Bad(url, "expected postgresql://USER@HOST:PORT/DB");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Host.Length == 0) throw Bad(url, "not a valid URL with a host");
        var builder = new NpgsqlConnectionStringBuilder { Host = uri.Host.Trim('[', ']'), Port = uri.IsDefaultPort || uri.Port < 0 ? DefaultPort : uri.Port };
        if (uri.UserInfo.Length > 0)
        {
            int sep = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(sep < 0 ? uri.UserInfo : uri.UserInfo[..sep]);
            if (sep >= 0) builder.Password = Uri.UnescapeDataString(uri.UserInfo[(sep + 1)..]);
        }
        string database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length == 0) throw Bad(url, "it names no database (postgresql://USER@HOST:PORT/DB)");
        if (database.Contains('/', StringComparison.Ordinal)) throw Bad(url, $"'{database}' is not a database name");
        builder.Database = database;
        foreach (string pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            string key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            string value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
            key = key switch { "sslmode" => "SSL Mode", "connect_timeout" => "Timeout", "application_name" => "Application Name", _ => key };
            try
            {
                builder[key] = value;
            }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException)
            {
                throw Bad(url, $"parameter '{key}={value}': {e.Message}");
            }
        }
        return builder.ConnectionString;
    }

    /// <summary><paramref name="url"/> for logs: the password, if any, replaced by ***.</summary>
    public static string Redact(string url)
    {
        int scheme = url.IndexOf("://", StringComparison.Ordinal);
        int at = url.IndexOf('@', StringComparison.Ordinal);
        if (scheme < 0 || at < scheme) return url;
        int sep = url.IndexOf(':', scheme + 3);
        return sep > 0 && sep < at ? url[..(sep + 1)] + "***" + url[at..] : url;
    }

    private static FormatException Bad(string url, string why) => new($"bad metadata URL '{Redact(url ?? "")}': {why}");
}
