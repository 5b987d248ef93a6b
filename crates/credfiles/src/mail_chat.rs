//! Mail and chat clients: .esmtprc, .msmtprc, .muttrc, .fetchmailrc, Pidgin, Ventrilo, TeamSpeak; browser password stores.

use crate::Reader;

pub(crate) const READERS: &[Reader] = &[];
