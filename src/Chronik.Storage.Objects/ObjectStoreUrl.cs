using Chronik.Storage.Objects.Files;
using Chronik.Storage.Objects.S3;

namespace Chronik.Storage.Objects;

/// <summary>
/// The <c>--object-store</c> / <c>object.store.url</c> value: <c>file:///PATH</c> (a directory every broker shares) or
/// <c>s3://BUCKET?endpoint=http://HOST:PORT&amp;region=R&amp;path-style=true</c>, credentials from AWS_ACCESS_KEY_ID,
/// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (the SDK's default chain when they are unset). Bad URLs throw
/// <see cref="FormatException"/> saying what is wrong.
/// </summary>
public sealed record ObjectStoreUrl
{
    private static readonly string[] s_s3Keys = ["endpoint", "region", "path-style"];

    private ObjectStoreUrl(string text, string? directory, S3ObjectStoreOptions? s3)
    {
        Text = text;
        Directory = directory;
        S3 = s3;
    }

    public string Text { get; }

    /// <summary>The shared directory of a file:// URL, else null.</summary>
    public string? Directory { get; }

    /// <summary>The bucket and endpoint of an s3:// URL (no credentials yet), else null.</summary>
    public S3ObjectStoreOptions? S3 { get; }

    public static ObjectStoreUrl Parse(string url)
    {
        if (string.IsNullOrWhiteSpace(url)) throw Bad(url, "it is empty");
        int colon = url.IndexOf("://", StringComparison.Ordinal);
        if (colon <= 0) throw Bad(url, "expected file:///PATH or s3://BUCKET?endpoint=...");
        string scheme = url[..colon].ToLowerInvariant();
        return scheme switch
        {
            "file" => ParseFile(url),
            "s3" => ParseS3(url),
            _ => throw Bad(url, $"unknown scheme '{scheme}' (expected file or s3)"),
        };
    }

    /// <summary>Builds the store; <paramref name="environment"/> looks up variables (the process environment when null).</summary>
    public IObjectStore Open(Func<string, string?>? environment = null)
    {
        if (Directory is not null) return new FileObjectStore(Directory);
        environment ??= Environment.GetEnvironmentVariable;
        return new S3ObjectStore(S3! with
        {
            AccessKeyId = environment("AWS_ACCESS_KEY_ID"),
            SecretAccessKey = environment("AWS_SECRET_ACCESS_KEY"),
            SessionToken = environment("AWS_SESSION_TOKEN"),
        });
    }

    public override string ToString() => Text;

    private static ObjectStoreUrl ParseFile(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)) throw Bad(url, "not a valid URL");
        if (uri.Host.Length > 0 && !string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            throw Bad(url, $"a file URL names no host (got '{uri.Host}'); write file:///absolute/path");
        }
        if (uri.Query.Length > 0 || uri.Fragment.Length > 0) throw Bad(url, "a file URL takes no query or fragment");
        string path = Uri.UnescapeDataString(uri.AbsolutePath);
        if (!Path.IsPathFullyQualified(path) || path == "/") throw Bad(url, "the path must be an absolute directory other than /");
        return new ObjectStoreUrl(url, path, null);
    }

    private static ObjectStoreUrl ParseS3(string url)
    {
        string rest = url[5..];
        int q = rest.IndexOf('?', StringComparison.Ordinal);
        string bucket = q < 0 ? rest : rest[..q];
        string query = q < 0 ? "" : rest[(q + 1)..];
        if (bucket.EndsWith('/')) bucket = bucket[..^1];
        if (bucket.Contains('/', StringComparison.Ordinal)) throw Bad(url, "a key prefix after the bucket is not supported; write s3://BUCKET?...");
        if (!IsBucketName(bucket)) throw Bad(url, $"'{bucket}' is not a bucket name (3 to 63 of a-z 0-9 . -, starting and ending with a letter or digit)");
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            string name = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            string value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
            if (!s_s3Keys.Contains(name)) throw Bad(url, $"unknown parameter '{name}' (known: {string.Join(", ", s_s3Keys)})");
            if (!values.TryAdd(name, value)) throw Bad(url, $"parameter '{name}' is given twice");
        }
        Uri? endpoint = null;
        if (values.TryGetValue("endpoint", out string? e))
        {
            if (!Uri.TryCreate(e, UriKind.Absolute, out endpoint) || endpoint.Scheme is not ("http" or "https") || endpoint.Host.Length == 0)
            {
                throw Bad(url, $"endpoint '{e}' is not an http:// or https:// URL");
            }
            if (endpoint.AbsolutePath != "/" || endpoint.Query.Length > 0) throw Bad(url, $"endpoint '{e}' must be scheme://host:port only");
        }
        string region = values.GetValueOrDefault("region", "us-east-1");
        if (region.Length == 0 || !region.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')) throw Bad(url, $"region '{region}' is not a region name");
        bool pathStyle = false;
        if (values.TryGetValue("path-style", out string? ps) && !bool.TryParse(ps, out pathStyle)) throw Bad(url, $"path-style must be true or false, not '{ps}'");
        return new ObjectStoreUrl(url, null, new S3ObjectStoreOptions { Bucket = bucket, Endpoint = endpoint, Region = region, PathStyle = pathStyle });
    }

    private static bool IsBucketName(string b) =>
        b.Length is >= 3 and <= 63 && char.IsAsciiLetterOrDigit(b[0]) && char.IsAsciiLetterOrDigit(b[^1])
        && b.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '-');

    private static FormatException Bad(string url, string why) => new($"bad object store URL '{url}': {why}");
}
