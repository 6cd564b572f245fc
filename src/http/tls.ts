import { readFileSync } from 'node:fs';
import { type KeyObject, X509Certificate, createPrivateKey } from 'node:crypto';

export interface TlsMaterial {
  cert: string;
  key: string;
  /** For the log and for clients that pin it: SHA-256 of the leaf certificate. */
  fingerprint256: string;
  subject: string;
  validTo: string;
}

/** Which setting a TLS problem is about, so the operator knows which file to fix. */
export class TlsFilesError extends Error {
  readonly code = 'TLS_FILES';
  constructor(
    readonly key: 'BRIDGE_TLS_CERT_FILE' | 'BRIDGE_TLS_KEY_FILE',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Reads the certificate (PEM, the leaf first, then any intermediates) and its private key
 * (PEM, unencrypted) and checks that they parse and belong together, so a bad file is named
 * at config load or on reload instead of failing every handshake.
 */
export function readTlsFiles(certFile: string, keyFile: string): TlsMaterial {
  const cert = readPem(certFile, 'BRIDGE_TLS_CERT_FILE');
  const key = readPem(keyFile, 'BRIDGE_TLS_KEY_FILE');
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new TlsFilesError(
      'BRIDGE_TLS_CERT_FILE',
      `${certFile} is not a PEM certificate (${(err as Error).message})`,
      { cause: err },
    );
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    throw new TlsFilesError(
      'BRIDGE_TLS_KEY_FILE',
      `${keyFile} is not an unencrypted PEM private key (${(err as Error).message})`,
      { cause: err },
    );
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw new TlsFilesError('BRIDGE_TLS_KEY_FILE', `${keyFile} is not the key of the certificate in ${certFile}`);
  }
  return {
    cert,
    key,
    fingerprint256: x509.fingerprint256,
    subject: x509.subject.replace(/\n/g, ', '),
    validTo: x509.validTo,
  };
}

/** What the log says about the certificate served: enough to tell that a renewal took. */
export function tlsSummary(
  cert: TlsMaterial | undefined,
): false | Pick<TlsMaterial, 'subject' | 'validTo' | 'fingerprint256'> {
  return cert ? { subject: cert.subject, validTo: cert.validTo, fingerprint256: cert.fingerprint256 } : false;
}

function readPem(file: string, key: TlsFilesError['key']): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    const hint = code === 'EACCES' ? ' (the service user must be able to read it)' : '';
    throw new TlsFilesError(key, `cannot read ${file}: ${code}${hint}`, { cause: err });
  }
}
