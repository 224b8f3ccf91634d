"""The account dialogs of DOMAIN.md §1.

- `CreateAccountModal`: Création de compte (also pre-filled after a first ENT login);
- `ValidateAccountModal`: Valider mon compte (activation code or pasted link);
- `ForgotIdentifiersModal` then `ResetPasswordModal`: J'ai oublié mes identifiants;
- `LostCodeModal`: J'ai perdu mon code d'activation;
- `NewPasswordScreen`: the forced choice of a password at the first login;
- `ChangePasswordModal`, `ChangeMailModal`: from Mon compte > Informations perso.

Every call to the services runs in a thread worker; a refusal is shown under
its field (`#<field-id>-error`) or under the form (`#<prefix>-error`).
"""

from .change_mail import ChangeMailModal
from .change_password import ChangePasswordModal
from .create_account import CreateAccountModal
from .mail_request import ForgotIdentifiersModal, LostCodeModal
from .new_password import NewPasswordScreen
from .reset_password import ResetPasswordModal
from .validate_account import ValidateAccountModal

__all__ = [
    "ChangeMailModal", "ChangePasswordModal", "CreateAccountModal", "ForgotIdentifiersModal", "LostCodeModal",
    "NewPasswordScreen", "ResetPasswordModal", "ValidateAccountModal",
]
