/**
 * A self-signed P-256 certificate for `files.example.test` and 127.0.0.1 (valid 100 years), made once with
 * `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 36500
 * -subj /CN=files.example.test -addext subjectAltName=DNS:files.example.test,IP:127.0.0.1`,
 * so HTTPS imports can be tested against a local server. Test-only: the key is public.
 */

/** The certificate, also passed as the trusted CA. */
export const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBtzCCAVygAwIBAgIUNHoTcUh1QjvteavjsyW8/jPYdMEwCgYIKoZIzj0EAwIw
HTEbMBkGA1UEAwwSZmlsZXMuZXhhbXBsZS50ZXN0MCAXDTI2MTEyMzE5MzEwNloY
DzIxMjYxMDMwMTkzMTA2WjAdMRswGQYDVQQDDBJmaWxlcy5leGFtcGxlLnRlc3Qw
WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAASFi7EIS3mdkZcn2RJ2bhxlWi6SdR5g
AXULX5q1JcQ9KgOGDFa+oF5YaiL95Ihm8aoNqjRZ0g/DDnyuQxsjv7d6o3gwdjAd
BgNVHQ4EFgQUgsZUJpklG1QxqymyPapc83tPObQwHwYDVR0jBBgwFoAUgsZUJpkl
G1QxqymyPapc83tPObQwDwYDVR0TAQH/BAUwAwEB/zAjBgNVHREEHDAaghJmaWxl
cy5leGFtcGxlLnRlc3SHBH8AAAEwCgYIKoZIzj0EAwIDSQAwRgIhAIxCbzhvb3Nt
qOPEgFrHW50ft+6sILa+ROtKfcglydZBAiEAuk6UFTbzJZPvf7SBNaTg+BblIWnV
OCTu+dSYuzkM0p8=
-----END CERTIFICATE-----
`;

/** Its private key. */
export const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg/84uKzNoB8WiUwoZ
XRWkIecofWP7ZDIyxSvSIjhYrgyhRANCAASFi7EIS3mdkZcn2RJ2bhxlWi6SdR5g
AXULX5q1JcQ9KgOGDFa+oF5YaiL95Ihm8aoNqjRZ0g/DDnyuQxsjv7d6
-----END PRIVATE KEY-----
`;
