using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Chronik.Broker.Security;

/// <summary>TLS for the Kafka listener (SSL and SASL_SSL): the server certificate and client-certificate checks.</summary>
public static class TlsListener
{
    public static void Use(ListenOptions listen, ListenerSecurityOptions security)
    {
        var certificate = LoadServerCertificate(security);
        var trusted = LoadTrustStore(security);
        var https = new HttpsConnectionAdapterOptions
        {
            ServerCertificate = certificate,
            ClientCertificateMode = security.ClientAuth.ToLowerInvariant() switch
            {
                "required" => ClientCertificateMode.RequireCertificate,
                "requested" => ClientCertificateMode.AllowCertificate,
                _ => ClientCertificateMode.NoCertificate,
            },
            ClientCertificateValidation = (cert, _, _) => trusted.Count > 0 && ChainsTo(cert, trusted),
        };
        listen.UseHttps(https);
    }

    public static X509Certificate2 LoadServerCertificate(ListenerSecurityOptions security)
    {
        string path = security.KeystoreLocation ?? throw new InvalidOperationException("ssl.keystore.location is required for an SSL or SASL_SSL listener");
        if (string.Equals(security.KeystoreType, "PEM", StringComparison.OrdinalIgnoreCase))
        {
            var pem = security.KeyPassword is { Length: > 0 } pw
                ? X509Certificate2.CreateFromEncryptedPemFile(path, pw)
                : X509Certificate2.CreateFromPemFile(path);
            // Re-import so the private key is usable by SslStream on every platform.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        return X509CertificateLoader.LoadPkcs12FromFile(path, security.KeystorePassword);
    }

    private static X509Certificate2Collection LoadTrustStore(ListenerSecurityOptions security)
    {
        var collection = new X509Certificate2Collection();
        if (security.TruststoreLocation is not { Length: > 0 } path) return collection;
        if (string.Equals(security.TruststoreType, "PEM", StringComparison.OrdinalIgnoreCase)) collection.ImportFromPemFile(path);
        else collection.AddRange(X509CertificateLoader.LoadPkcs12CollectionFromFile(path, security.TruststorePassword));
        return collection;
    }

    private static bool ChainsTo(X509Certificate2 cert, X509Certificate2Collection trusted)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(cert);
    }
}
